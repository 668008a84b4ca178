"""A question with a few answers, each on a key (the first is the default on enter)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from fluxtui.tui import safe


class ConfirmScreen(ModalScreen[str | None]):
    """Dismisses with the chosen answer's value, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,n", "dismiss_none", "Cancel")]

    def __init__(self, question: str, answers: list[tuple[str, str, str]]):
        """`answers`: (key, label, value) for each button."""
        super().__init__()
        self.question = question
        self.answers = answers

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(safe.text(self.question, multiline=True), id="question")
            with Horizontal(id="answers"):
                for key, label, value in self.answers:
                    yield Button(
                        Text(f"{label} [{key}]"),
                        id=f"answer-{value}",
                        variant="error" if value.startswith("delete") else "primary",
                    )
                yield Button(Text("Cancel [esc]"), id="answer-cancel")

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    def on_key(self, event: events.Key) -> None:
        for key, _, value in self.answers:
            if event.key == key:
                event.stop()
                self.dismiss(value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        answer = (event.button.id or "").removeprefix("answer-")
        self.dismiss(None if answer == "cancel" else answer)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
