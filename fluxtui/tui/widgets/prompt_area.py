"""The prompt's field, and the note of its length under it."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Static, TextArea

from fluxtui.core.text import inert

#: a prompt longer than this shows its length under the field
LONG_PROMPT = 200


class PromptArea(TextArea):
    """A text area where ctrl+a selects the whole prompt (to replace or delete it; home still
    goes to the start of the line)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+a", "select_all", "Select all", show=False)
    ]

    def make_inert(self) -> bool:
        """Show pasted control characters (ESC as ␛) in place, the cursor kept: the field must
        not send them to the terminal, nor the job to the provider. Whether the text changed."""
        shown = inert(self.text, multiline=True)
        if shown == self.text:
            return False
        cursor = self.cursor_location
        self.text = shown
        self.cursor_location = cursor
        return True


class PromptLength(Static):
    """ "812 chars" under a long prompt (services cut or refuse very long ones); hidden under a
    short one."""

    def show(self, length: int) -> None:
        long = length > LONG_PROMPT
        self.update(f"{length} chars" if long else "")
        self.display = long
