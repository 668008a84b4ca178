"""The selected job's preview on the whole screen (on narrow terminals the only way to see it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

from fluxtui.tui.board import JobBoard
from fluxtui.tui.image_support import ImageBackend
from fluxtui.tui.widgets.key_footer import KeyFooter
from fluxtui.tui.widgets.preview import Preview


class ZoomScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,z,enter", "dismiss", "Back")]

    def __init__(
        self,
        board: JobBoard,
        images: ImageBackend,
        clock: Callable[[], float],
        job_id: str | None,
        *,
        demo: bool,
    ):
        super().__init__()
        self.preview = Preview(board, images, clock, demo=demo, id="zoomed")
        self.job_id = job_id

    def compose(self) -> ComposeResult:
        yield self.preview
        yield KeyFooter()

    def on_mount(self) -> None:
        self.preview.show(self.job_id)
        self.preview.focus()
