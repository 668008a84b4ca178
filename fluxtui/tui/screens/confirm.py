"""A question with a few answers, each on a key (the first is the default on enter)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from fluxtui.tui import safe
from fluxtui.tui.widgets.key_footer import KeyFooter


class ConfirmScreen(ModalScreen[str | None]):
    """Dismisses with the chosen answer's value, or None on escape (or n).

    Each answer is a binding of this screen, so the footer shows the dialog's own keys (a modal
    screen's footer lists its bindings only, not the screen's below it)."""

    def __init__(self, question: str, answers: list[tuple[str, str, str]]):
        """`answers`: (key, label, value) for each button; values are the fluxtui's own words
        (they name an action's argument)."""
        super().__init__()
        self.question = question
        self.answers = answers
        for key, label, value in answers:
            self._bindings.bind(key, f"answer({value!r})", label)
        self._bindings.bind("escape,n", "dismiss_none", "Cancel")

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
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        answer = (event.button.id or "").removeprefix("answer-")
        self.dismiss(None if answer == "cancel" else answer)

    def action_answer(self, value: str) -> None:
        self.dismiss(value)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
