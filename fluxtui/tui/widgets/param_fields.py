"""The rows of the form's parameters: one `FieldRow` per field of the chosen model, in a
`ParamFields` that is rebuilt when the model's fields change. They show and read raw values only
(`form_model` parses them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from fluxtui.core.text import inert
from fluxtui.tui.form_model import FieldSpec
from fluxtui.tui.widgets.controls import FormSelect, checkbox, compact, text_input

INPUT_TYPES: dict[str, Literal["integer", "number", "text"]] = {
    "int": "integer",
    "seed": "integer",
    "float": "number",
}


def show_error(
    parent: Widget, problem: str, *, id: str | None = None, after: str | None = None
) -> None:
    """Say `problem` on the error line among `parent`'s children (`.field-error`, `#id` if given;
    the CSS shows it while the field is marked invalid). The line is built with the first
    problem, not with the form: most fields never have one, and each widget mounted before the
    first frame delays it. `parent` must be composed (before, `FieldRow` builds its own)."""
    text = Text(inert(problem))
    lines = parent.query_children(f"#{id}" if id else ".field-error")
    if lines:
        lines.first(Static).update(text)
    elif problem:
        parent.mount(Static(text, id=id, classes="field-error"), after=after)


class FieldRow(Vertical):
    """One parameter: its label, its control, its rule, and the problem with its value."""

    def __init__(self, field: FieldSpec, value: Any, random_seed: bool):
        super().__init__(classes="field-row", id=f"row-{field.name}")
        self.field = field
        self.value = value
        self.random_seed = random_seed
        self.problem: str | None = None

    def compose(self) -> ComposeResult:
        field = self.field
        with Horizontal(classes="field-line"):
            yield Label("" if field.kind == "bool" else field.label, classes="field-label")
            yield self._control()
            if field.kind == "seed":
                yield checkbox(
                    "random",
                    self.random_seed,
                    id="seed-random",
                    tooltip="pick a new random seed for every job (ctrl+r)",
                )
            if field.hint:  # an empty one shows nothing: not built (each widget delays the frame)
                yield Static(field.hint, classes="field-hint")
        if self.problem is not None:  # set before the row was built; later ones: `set_problem`
            yield Static(Text(inert(self.problem)), classes="field-error")

    def _control(self) -> Widget:
        field, value = self.field, self.value
        control_id = f"field-{field.name}"
        if field.kind == "bool":
            checked = field.default if value is None else value
            return checkbox(field.label, bool(checked), id=control_id, tooltip=field.help)
        if field.kind == "choice":
            return compact(
                FormSelect(
                    [(f"{c} (default)" if c == field.default else c, c) for c in field.choices],
                    value=field.default if value is None else value,
                    allow_blank=field.default is None,
                    id=control_id,
                    tooltip=field.help,
                )
            )
        return text_input(
            "" if value is None else str(value),
            placeholder=field.placeholder,
            type=INPUT_TYPES.get(field.kind, "text"),
            id=control_id,
            disabled=field.kind == "seed" and self.random_seed,
            tooltip=field.help,
            select_on_focus=False,
        )

    def set_problem(self, problem: str | None) -> None:
        self.problem = problem
        self.set_class(problem is not None, "-invalid")
        if self.children:  # composed (its children are registered as it composes)
            show_error(self, problem or "")


class ParamFields(Vertical):
    """The rows of the chosen model's parameters; rebuilt when the model's fields change."""

    fields: reactive[tuple[FieldSpec, ...]] = reactive((), recompose=True)

    class Rebuilt(Message):
        """The rows were rebuilt for other fields."""

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.initial: dict[str, Any] = {}
        self.random_seed = True

    async def recompose(self) -> None:
        await super().recompose()
        self.post_message(self.Rebuilt())

    def compose(self) -> ComposeResult:
        for field in self.fields:
            yield FieldRow(field, self.initial.get(field.name), self.random_seed)

    def show(self, fields: list[FieldSpec], values: Mapping[str, Any]) -> None:
        """Show `fields`, filled with `values` (by field name)."""
        self.initial = dict(values)
        if tuple(fields) == self.fields:
            self._fill(values)
        else:
            self.fields = tuple(fields)

    def _fill(self, values: Mapping[str, Any]) -> None:
        for row in self.query(FieldRow):
            value = values.get(row.field.name)
            for control in row.query(f"#field-{row.field.name}"):
                if isinstance(control, Input):
                    control.value = "" if value is None else str(value)
                elif isinstance(control, Checkbox):
                    control.value = bool(row.field.default if value is None else value)
                elif isinstance(control, Select):
                    control.value = row.field.default if value is None else value

    def values(self) -> dict[str, Any]:
        """The raw value of every field: text of inputs, state of switches, choice of selects.

        Rows still being built report the values they are being built with.
        """
        raw = dict(self.initial)
        for row in self.query(FieldRow):
            for control in row.query(f"#field-{row.field.name}"):
                if isinstance(control, Input | Checkbox):
                    raw[row.field.name] = control.value
                elif isinstance(control, Select):
                    raw[row.field.name] = None if control.is_blank() else control.value
        return raw

    def set_random_seed(self, on: bool) -> None:
        self.random_seed = on
        for box in self.query("#seed-random").results(Checkbox):
            box.value = on
        for seed in self.query("#field-seed").results(Input):
            seed.disabled = on

    def set_problems(self, problems: Mapping[str, str]) -> None:
        for row in self.query(FieldRow):
            row.set_problem(problems.get(row.field.name))
