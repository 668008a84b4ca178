"""The prompt's field, and the note of its length under it."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Static, TextArea

#: a prompt longer than this shows its length under the field
LONG_PROMPT = 200


class PromptArea(TextArea):
    """A text area where ctrl+a selects the whole prompt (to replace or delete it; home still
    goes to the start of the line)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+a", "select_all", "Select all", show=False)
    ]


class PromptLength(Static):
    """ "812 chars" under a long prompt (services cut or refuse very long ones); hidden under a
    short one."""

    def show(self, length: int) -> None:
        long = length > LONG_PROMPT
        self.update(f"{length} chars" if long else "")
        self.display = long
