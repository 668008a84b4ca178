"""The form's controls as Textual's, built so that they are styled once, as they mount.

Textual restyles a widget (and everything in it) at each change of its classes, even before it
is mounted. `compact=True` toggles a class in the constructor (off, then on: two passes on a
widget not yet mounted), and a `Select` given a value sets a class on the line that shows it as
it mounts (a pass on that line and its three parts); a checkbox given True and an input given a
value set their classes in the constructor. In the first frame's form of a dozen controls those
were 30 of the 131 style passes before it (`tests/tui/test_style_passes.py`).
"""

from __future__ import annotations

from typing import Any, TypeVar

from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, Select, TextArea
from textual.widgets._select import SelectCurrent, SelectOverlay

Compactable = TypeVar("Compactable", Input, Select[Any], Checkbox, TextArea)

#: the classes Textual's widgets toggle for `compact`, a select that shows a value, a checkbox on
#: and an input whose value passed its validators (or that has none)
COMPACT = "-textual-compact"
HAS_VALUE = "-has-value"
CHECKED = "-on"
VALID = "-valid"


def compact(widget: Compactable) -> Compactable:
    """`widget` made compact as `compact=True` makes it, without the style passes."""
    widget.set_reactive(type(widget).compact, True)
    widget.add_class(COMPACT, update=False)
    return widget


def text_input(value: str, **options: Any) -> Input:
    """A compact `Input` holding `value` (as `Input(value, compact=True)`)."""
    field = compact(Input(**options))
    if value:
        if not field.validators:  # then Textual marks it valid as the value is set
            field.add_class(VALID, update=False)
        field.value = value
    return field


def checkbox(label: str, value: bool, **options: Any) -> Checkbox:
    """A compact `Checkbox` showing `value` (as `Checkbox(label, value, compact=True)`)."""
    box = compact(Checkbox(label, False, **options))
    if value:
        box.set_reactive(Checkbox.value, True)
        box.add_class(CHECKED, update=False)
    return box


class FormSelect(Select[Any]):
    """A `Select` whose parts are built as it makes them on mount: the line showing the value
    marked so (`value` given, or no blank allowed: the first option is taken), and the overlay
    of options compact with the select (Textual binds it, which restyles it on mount)."""

    def __init__(self, *args: Any, **options: Any):
        super().__init__(*args, **options)
        value = options.get("value", Select.NULL)
        self._starts_with_value = value is not None and value is not Select.NULL
        self._starts_with_value |= not options.get("allow_blank", True)

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, SelectCurrent) and self._starts_with_value:
                # As `SelectCurrent.update` sets it on mount, which then finds it set. Were the
                # select to start blank after all, that update clears it (and restyles).
                widget.set_reactive(SelectCurrent.has_value, True)
                widget.add_class(HAS_VALUE, update=False)
            if isinstance(widget, SelectOverlay) and self.compact:
                widget.set_reactive(SelectOverlay.compact, True)
                widget.add_class(COMPACT, update=False)
            yield widget
