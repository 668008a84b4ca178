"""Starting a sweep from the form: pick one or two axes and their values, see the grid's cells
checked, then watch it fill in on the comparison screen.

`open_sweep` reads the form (its prompt, target and settings are what every cell shares; an axis
replaces the form's value of its field), asks `SweepPicker` for the axes (each offered with values
suggested from the form's settings and the model's rules), and starts the sweep through the
controller, after the budget check. Nothing is sent unless every cell can be.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static

from fluxtui.control.controller import Controller
from fluxtui.control.outcomes import Started
from fluxtui.core import catalog, compare, sweep
from fluxtui.core.comparison import Target
from fluxtui.core.config import Config
from fluxtui.core.errors import FluxtuiError
from fluxtui.core.model_spec import ModelSpec, num
from fluxtui.core.models import GenerationRequest
from fluxtui.core.sweep import SweepPlan
from fluxtui.core.text import inert
from fluxtui.tui import format as fmt
from fluxtui.tui.image_support import ImageBackend
from fluxtui.tui.key_table import SWEEP_PICKER_KEYS
from fluxtui.tui.keymap import bindings
from fluxtui.tui.screens.compare import CompareScreen
from fluxtui.tui.sending import attempt, refused_without_key
from fluxtui.tui.widgets.key_footer import KeyFooter
from fluxtui.tui.widgets.prompt_form import PromptForm, known_models

NONE = "none"
#: the fields offered as axes, in this order (those the form's model takes)
OFFERED = (
    "seed",
    "guidance",
    "steps",
    "model",
    "target",
    "size",
    "aspect_ratio",
    "safety_tolerance",
    "output_format",
    "prompt_upsampling",
)
_ALWAYS = frozenset({"seed", "model", "target"})


def open_sweep(
    app: App[Any], controller: Controller, form: PromptForm, images: ImageBackend
) -> None:
    """Ask for the axes of a sweep of the form's request; then start it."""
    request, unparsed = form.read()
    if not request.prompt:
        app.notify("write a prompt first", title="Sweep", severity="warning")
        return
    if unparsed:
        app.notify("\n".join(unparsed.values()), title="Not sent", severity="error")
        return
    config = controller.config
    base = Target(request.provider, request.model)

    def plan(asked: list[tuple[str, str]]) -> SweepPlan:
        axes = [sweep.dialog_axis(config, field, values) for field, values in asked]
        params = sweep.without_axes(request.params, axes)
        sweep.check_axes(axes, params)
        planned = sweep.plan(
            config, request.prompt, params, base, axes, request.extra, request.inputs
        )
        plans = tuple(refused_without_key(controller, p) for p in planned.plans)
        return SweepPlan(planned.prompt, planned.params, planned.extra, planned.axes, plans)

    spec = catalog.model_spec(config.entry(base.provider).model_table, base.model)
    picker = SweepPicker(_heading(request), suggestions(config, request, spec), plan)

    def chosen(planned: SweepPlan | None) -> None:
        if planned is not None:
            _start(app, controller, images, planned)

    app.push_screen(picker, chosen)


def _heading(request: GenerationRequest) -> str:
    settings = ", ".join(f"{k} {v}" for k, v in request.params.items() if v is not None)
    return f"“{fmt.one_line(request.prompt)[:80]}”  {request.provider}:{request.model}" + (
        f"  ({settings})" if settings else ""
    )


def _start(app: App[Any], controller: Controller, images: ImageBackend, planned: SweepPlan) -> None:
    def send(over_budget: bool) -> Started:
        return controller.start_sweep(planned, over_budget=over_budget)

    def started(result: Started) -> None:
        if result.comparison is not None:
            app.push_screen(CompareScreen(controller, result.comparison, list(result.jobs), images))

    attempt(app, send, started)


def suggestions(config: Config, request: GenerationRequest, spec: ModelSpec) -> dict[str, str]:
    """The values offered for each axis the form's model can take, from the form's settings
    and the model's rules: guidance and steps from the rule's range, the provider's models…"""
    offered: dict[str, str] = {}
    for field in OFFERED:
        if field not in _ALWAYS and not spec.accepts("width" if field == "size" else field):
            continue
        offered[field] = _suggest(config, request, spec, field)
    return offered


def _suggest(config: Config, request: GenerationRequest, spec: ModelSpec, field: str) -> str:
    rule = spec.params.get(field)
    if field == "seed":
        return "4"  # four random seeds
    if field in ("guidance", "steps") and rule is not None and rule.min is not None:
        lo, hi = float(rule.min), float(rule.max if rule.max is not None else rule.min)
        middle = float(request.param(field) or rule.default or (lo + hi) / 2)
        values = [lo + (middle - lo) / 2, middle, middle + (hi - middle) / 2]
        if field == "steps":
            return ",".join(dict.fromkeys(str(round(v)) for v in values))
        return ",".join(dict.fromkeys(num(round(v * 2) / 2) for v in values))
    if field == "model":
        ids = [request.model] + [m.id for m in known_models(config, request.provider)]
        return ",".join(list(dict.fromkeys(ids))[:3])
    if field == "target":
        return f"{request.provider}:{request.model}"
    if field == "size":
        return "768x768,1024x768,768x1024"
    if field == "aspect_ratio":
        return "1:1,16:9,9:16"
    if field == "output_format":
        return "png,jpeg"
    if field == "prompt_upsampling":
        return "false,true"
    if field == "safety_tolerance" and rule is not None and rule.max is not None:
        return f"{num(rule.min or 0)},{num(rule.max)}"
    return ""


class SweepPicker(ModalScreen[SweepPlan | None]):
    """Dismisses with the planned sweep (every cell can be sent), or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        *bindings(SWEEP_PICKER_KEYS),
    ]

    def __init__(
        self,
        heading: str,
        offered: Mapping[str, str],
        plan: Callable[[list[tuple[str, str]]], SweepPlan],
    ):
        """`offered`: each field that can be an axis, with its suggested values; `plan`: the
        sweep of the axes asked for, as (field, values text) (SweepError when they cannot make
        one)."""
        super().__init__()
        self.heading = heading
        self.offered = dict(offered)
        self.plan = plan
        self.planned: SweepPlan | None = None

    def compose(self) -> ComposeResult:
        fields = list(self.offered)
        with Vertical(id="sweep-dialog"):
            yield Static(Text(inert(self.heading)), id="sweep-head")
            for axis, first in (("x", fields[0]), ("y", NONE)):
                with Horizontal(classes="sweep-axis"):
                    yield Static("X (columns)" if axis == "x" else "Y (rows)", classes="axis-name")
                    choices = [(f, f) for f in fields] + ([] if axis == "x" else [(NONE, NONE)])
                    yield Select(choices, value=first, allow_blank=False, id=f"sweep-{axis}-field")
                    yield Input(self.offered.get(first, ""), id=f"sweep-{axis}-values")
            yield Static("", id="sweep-plan")
            with Horizontal(id="sweep-buttons"):
                yield Button(Text("Sweep"), id="sweep-start", variant="primary")
                yield Button(Text("Cancel [esc]"), id="sweep-cancel")
        yield KeyFooter()

    def on_mount(self) -> None:
        dialog = self.query_one("#sweep-dialog")
        dialog.border_title = "Sweep"
        dialog.border_subtitle = "values separated by commas · seed: a count for random ones"
        start = next(
            (
                self.app.get_key_display(active.binding)
                for active in self.active_bindings.values()
                if active.binding.id == "sweep-start"
            ),
            "sweep-start",
        )
        self.query_one("#sweep-start", Button).label = Text(f"Sweep [{start}]")
        self.query_one("#sweep-y-values", Input).display = False
        self.query_one("#sweep-x-values", Input).focus()
        self._show_plan()

    @on(Select.Changed)
    def _field_changed(self, event: Select.Changed) -> None:
        axis = "x" if event.select.id == "sweep-x-field" else "y"
        values = self.query_one(f"#sweep-{axis}-values", Input)
        values.value = self.offered.get(str(event.value), "")
        values.display = event.value != NONE
        self._show_plan()

    @on(Input.Changed)
    def _values_changed(self) -> None:
        self._show_plan()

    def asked(self) -> list[tuple[str, str]]:
        """The axes the dialog asks for: (field, values as typed), X first."""
        asked = []
        for axis in ("x", "y"):
            field = str(self.query_one(f"#sweep-{axis}-field", Select).value)
            if field != NONE:
                asked.append((field, self.query_one(f"#sweep-{axis}-values", Input).value))
        return asked

    def _show_plan(self) -> None:
        text = Text()
        self.planned = None
        try:
            planned = self.plan(self.asked())
        except FluxtuiError as exc:
            text.append(f"✗ {inert(str(exc))}", style="red")
        else:
            problems = compare.problems_of(planned.plans)
            columns = len(planned.axes[0].values)
            rows = len(planned.axes[1].values) if len(planned.axes) > 1 else 1
            text.append(f"{columns} × {rows} = {len(planned.plans)} images", style="bold")
            fixed = ", ".join(f"{k} {v}" for k, v in planned.params.items())
            text.append(f"  fixed: {inert(fixed)}\n" if fixed else "\n", style="dim")
            for problem in problems[:8]:
                text.append(f"✗ {inert(problem)}\n", style="red")
            if len(problems) > 8:
                text.append(f"… and {len(problems) - 8} more\n", style="red")
            if problems:
                text.append("Nothing is sent while a cell cannot be.", style="dim")
            else:
                self.planned = planned
        self.query_one("#sweep-plan", Static).update(text)

    def action_start(self) -> None:
        self._show_plan()
        if self.planned is None:
            self.notify("the sweep cannot be sent: see why below the axes", severity="warning")
            return
        self.dismiss(self.planned)

    @on(Button.Pressed, "#sweep-start")
    def _start_pressed(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#sweep-cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)
