"""Pick a model: the provider's models, filtered as you type; enter on no match uses the text."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from fluxtui.core.model_spec import ModelSpec
from fluxtui.core.text import inert
from fluxtui.tui.widgets.key_footer import KeyFooter


class ModelPicker(ModalScreen[str | None]):
    """Dismisses with a model id (known or typed), or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    def __init__(self, provider: str, models: list[ModelSpec], current: str):
        super().__init__()
        self.provider = provider
        self.models = models
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Input(placeholder="filter, or type any model id", id="picker-filter")
            yield OptionList(id="picker-options")
        yield KeyFooter()

    def on_mount(self) -> None:
        picker = self.query_one("#picker")
        picker.border_title = Text(inert(f"Models of {self.provider}"))
        picker.border_subtitle = "enter picks · esc cancels"
        self._fill("")
        options = self.query_one(OptionList)
        ids = [spec.id for spec in self.models]
        if self.current in ids:
            options.highlighted = ids.index(self.current)

    def _fill(self, text: str) -> None:
        words = text.lower().split()
        options = self.query_one(OptionList)
        options.clear_options()
        for spec in self.models:
            haystack = f"{spec.id} {spec.label}".lower()
            if all(word in haystack for word in words):
                label = Text.assemble(inert(spec.id), "  ", (inert(spec.label), "dim"))
                options.add_option(Option(label, id=spec.id))
        if text.strip() and text.strip() not in {spec.id for spec in self.models}:
            options.add_option(
                Option(
                    Text.assemble("use ", (inert(text.strip()), "bold"), " as typed"),
                    id=f"typed:{text.strip()}",
                )
            )
        if options.option_count:
            options.highlighted = 0

    @on(Input.Changed)
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self._pick(options.get_option_at_index(options.highlighted).id)
        elif event.value.strip():
            self.dismiss(event.value.strip())

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._pick(event.option.id)

    def _pick(self, option_id: str | None) -> None:
        if option_id:
            self.dismiss(option_id.removeprefix("typed:"))

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = (current + step) % options.option_count
