"""How often the main screen's widgets are styled: once each as they mount before the first
paint (not again for the width's class or the screen's first showing), and a move of the focus
restyles the form's border, not every field in the form."""

from __future__ import annotations

from collections import Counter
from typing import Any

from textual.dom import DOMNode
from textual.widgets import Checkbox, Input, TextArea

from fluxtui.tui.app import FluxApp
from fluxtui.tui.widgets.controls import FormSelect
from fluxtui.tui.widgets.param_fields import FieldRow
from fluxtui.tui.widgets.prompt_form import FOCUSED, PromptForm
from tests.tui.helpers import ready, wait_for


def count_styling(app: FluxApp) -> Counter[DOMNode]:
    """Each node's count of times Textual's stylesheet applies its rules to it, from now on."""
    styled: Counter[DOMNode] = Counter()
    stylesheet = app.stylesheet
    apply = stylesheet.apply

    def counting(node: DOMNode, *args: Any, **options: Any) -> None:
        styled[node] += 1
        apply(node, *args, **options)

    stylesheet.apply = counting  # type: ignore[method-assign]
    return styled


def count_until_first_paint(app: FluxApp) -> dict[DOMNode, int]:
    """Each node's count of style passes until the app's first frame (filled at that frame)."""
    styled = count_styling(app)
    first_paint: dict[DOMNode, int] = {}
    display = app._display

    def recording(screen: Any, renderable: Any) -> None:
        if renderable is not None and not first_paint:
            first_paint.update(styled)
        display(screen, renderable)

    app._display = recording  # type: ignore[method-assign]
    return first_paint


async def test_each_widget_is_styled_once_before_the_first_paint(make_app):
    app = make_app()
    first_paint = count_until_first_paint(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        rows = list(app.main.query(FieldRow))
        assert rows, "the form shows the model's fields"
        assert all(first_paint[row] == 1 for row in rows)  # mounted, then never restyled
        for name in ("#panes", "#left", "#queue", "#preview"):
            assert first_paint[app.main.query_one(name)] == 1, name
        assert first_paint[app.main.form] == 2  # and once more alone, marked as focused
        assert app.main.has_class("-medium")  # the width's class all the same
        assert not app.main.has_class("-narrow") and not app.main.has_class("-wide")


async def test_the_form_controls_are_styled_once_before_the_first_paint(make_app):
    """Compact, checked, holding a value, a select's line and overlay (`widgets/controls.py`):
    none restyled before it mounts or as it mounts; the form holds no error line yet."""
    app = make_app()
    first_paint = count_until_first_paint(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        form = app.main.form
        boxes = list(form.query(Checkbox))
        controls = [*form.query(Input), *boxes, *form.query("Select, Select *")]
        assert {Input, Checkbox, FormSelect} <= {type(control) for control in controls}
        assert any(box.value and box.has_class("-on") for box in boxes)
        assert form.query_one("#model", Input).value  # the model's id
        assert all(control.has_class("-textual-compact") for control in form.query("Input, Select"))
        again = {control: first_paint[control] for control in controls if first_paint[control] != 1}
        assert again == {}
        assert first_paint[form.query_one("#prompt")] == 2  # and once more as it takes the focus
        assert not form.query(".field-error").exclude("#inputs-error")


async def test_the_form_border_follows_the_focus_without_restyling_its_fields(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        form, queue = app.main.query_one(PromptForm), app.main.queue
        assert isinstance(app.focused, TextArea)  # the prompt, in the form
        assert form.has_class(FOCUSED)
        focused_border = form.styles.border_top
        blurred_border = queue.styles.border_top
        assert focused_border != blurred_border

        styled = count_styling(app)
        queue.focus()
        await wait_for(pilot, lambda: not form.has_class(FOCUSED), "the form to lose the mark")
        await pilot.pause()
        assert form.styles.border_top == blurred_border
        assert queue.styles.border_top == focused_border
        fields = [*form.query(FieldRow), *form.query("FieldRow *")]
        assert fields and not any(styled[field] for field in fields)

        styled.clear()
        app.main.query_one("#model").focus()  # into the form again, on another field
        await wait_for(pilot, lambda: form.has_class(FOCUSED), "the form to be marked")
        await pilot.pause()
        assert form.styles.border_top == focused_border
        assert not any(styled[field] for field in fields)

        app.main.query_one("#prompt").focus()  # from field to field inside the form
        await wait_for(pilot, lambda: isinstance(app.focused, TextArea), "the prompt")
        await pilot.pause()
        assert form.has_class(FOCUSED) and form.styles.border_top == focused_border


async def test_the_layout_follows_a_resize(make_app):
    app = make_app()
    async with app.run_test(size=(170, 40)) as pilot:
        await ready(pilot)
        main = app.main
        assert main.has_class("-wide") and main.preview_visible
        for size, name in (((80, 30), "-narrow"), ((120, 40), "-medium"), ((170, 40), "-wide")):
            await pilot.resize_terminal(*size)
            await wait_for(pilot, lambda: main.has_class(name), name)  # noqa: B023
            others = {"-narrow", "-medium", "-wide"} - {name}
            assert not any(main.has_class(other) for other in others)
            assert main.preview_visible == (name != "-narrow")
