"""One image on the whole screen with what is known about it (a comparison's cell, enlarged; a
library entry, with its full provenance)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from fluxtui.tui import safe
from fluxtui.tui.image_support import ImageBackend
from fluxtui.tui.widgets.key_footer import KeyFooter


class ImageView(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,z,enter", "dismiss", "Back")]

    def __init__(self, images: ImageBackend, path: Path | None, title: str, details: Text):
        """`path`: the image (None or a missing file: `details` says why there is none)."""
        super().__init__()
        self.images = images
        self.path = path
        self.title_text = title
        self.details = details

    def compose(self) -> ComposeResult:
        with Container(id="view-image"):
            if self.path is not None and self.path.is_file() and self.images.factory is not None:
                yield self.images.factory(self.path)
            else:
                yield Static(self._no_image(), id="view-no-image")
        with VerticalScroll(id="view-details"):
            yield Static(self.details)
        yield KeyFooter()

    def _no_image(self) -> Text:
        if self.path is not None and not self.path.is_file():
            return safe.text(f"The image file is gone: {self.path}", style="bold")
        if self.path is not None:
            return Text("Image saved (preview is off: image protocol none).", style="dim")
        return Text("No image.", style="dim")

    def on_mount(self) -> None:
        self.query_one("#view-image").border_title = safe.text(self.title_text)
        self.query_one("#view-image").border_subtitle = "esc closes"
