"""Ask for a path (where to export to, an input image to add); enter accepts, escape cancels,
→ completes the file or folder name typed (`PathSuggester`)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from fluxtui.tui.path_suggester import PathSuggester
from fluxtui.tui.widgets.key_footer import KeyFooter

EXPORT_HINT = "enter exports · esc cancels · → completes · the folder is made if needed"


class PathPrompt(ModalScreen[str | None]):
    """Dismisses with the text typed (stripped), or None on escape or when left empty."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(
        self, question: str, default: str, *, hint: str = EXPORT_HINT, placeholder: str = ""
    ):
        super().__init__()
        self.question = question
        self.default = default
        self.hint = hint
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="path-dialog"):
            yield Static(Text(self.question))
            yield Input(
                self.default,
                id="path-input",
                select_on_focus=False,
                placeholder=self.placeholder,
                suggester=PathSuggester(),
            )
            yield Static(Text(self.hint, style="dim"))
        yield KeyFooter()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)
