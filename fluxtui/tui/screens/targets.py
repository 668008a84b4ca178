"""Pick a comparison's targets: tick provider+model pairs, or pick a saved set; see what each
target will drop or refuse before anything is sent."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from fluxtui.core.compare import TargetPlan
from fluxtui.core.comparison import Target
from fluxtui.core.text import inert
from fluxtui.tui.key_table import PICKER_KEYS
from fluxtui.tui.keymap import bindings
from fluxtui.tui.widgets.key_footer import KeyFooter


@dataclass(frozen=True)
class TargetChoice:
    """The ticked targets, and the saved set they are exactly (if any)."""

    targets: tuple[Target, ...]
    set_name: str | None


class TargetPicker(ModalScreen[TargetChoice | None]):
    """Dismisses with the choice, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        *bindings(PICKER_KEYS),
    ]

    def __init__(
        self,
        heading: str,
        targets: Sequence[Target],
        sets: Mapping[str, Sequence[Target]],
        ticked: Sequence[Target],
        plan: Callable[[list[Target]], list[TargetPlan]],
    ):
        """`targets`: every target offered; `sets`: saved sets by name; `plan`: what each ticked
        target would be sent (its dropped params and problems)."""
        super().__init__()
        self.heading = heading
        self.targets = list(dict.fromkeys([*targets, *ticked]))
        self.sets = {name: list(members) for name, members in sets.items()}
        self.ticked = list(ticked)
        self.plan = plan

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-dialog"):
            yield Static(Text(self.heading), id="picker-head")
            with Horizontal(id="picker-lists"):
                yield OptionList(*self._set_options(), id="picker-sets")
                yield SelectionList[str](*self._selections(), id="picker-targets")
            yield Static("", id="picker-plan")
            with Horizontal(id="picker-buttons"):
                yield Button(Text("Compare"), id="picker-start", variant="primary")
                yield Button(Text("Cancel [esc]"), id="picker-cancel")
        yield KeyFooter()

    def _set_options(self) -> list[Option]:
        return [
            Option(
                Text.assemble(
                    (inert(name), "bold"), "\n", (inert(", ".join(map(str, members))), "dim")
                ),
                id=name,
            )
            for name, members in self.sets.items()
        ]

    def _selections(self) -> list[Selection[str]]:
        return [Selection(_label(t), str(t), t in self.ticked) for t in self.targets]

    def on_mount(self) -> None:
        dialog = self.query_one("#picker-dialog")
        dialog.border_title = "Compare"
        dialog.border_subtitle = "space ticks · enter on a set ticks its targets"
        self.query_one("#picker-sets").border_title = "Saved sets"
        self.query_one("#picker-targets").border_title = "Targets"
        start = Text(f"Compare [{self._key('compare-start')}]")
        self.query_one("#picker-start", Button).label = start
        self.query_one(SelectionList).focus()
        self._show_plan()

    def _key(self, binding_id: str) -> str:
        """The key of binding `binding_id` now (the user's keymap may have changed it)."""
        for active in self.active_bindings.values():
            if active.binding.id == binding_id:
                return self.app.get_key_display(active.binding)
        return binding_id

    @on(SelectionList.SelectedChanged)
    def _ticks_changed(self) -> None:
        """Keep the ticked targets in the order they were ticked (a set's own order)."""
        chosen = set(self.query_one(SelectionList).selected)
        kept = [t for t in self.ticked if str(t) in chosen]
        self.ticked = kept + [t for t in self.targets if str(t) in chosen and t not in kept]
        self._show_plan()

    @on(OptionList.OptionSelected, "#picker-sets")
    def _set_picked(self, event: OptionList.OptionSelected) -> None:
        members = self.sets.get(event.option.id or "", [])
        targets = self.query_one(SelectionList)
        for target in members:
            if target not in self.targets:
                self.targets.append(target)
                targets.add_option(Selection(_label(target), str(target)))
        with self.prevent(SelectionList.SelectedChanged):
            targets.deselect_all()
            for target in members:
                targets.select(str(target))
        self.ticked = list(members)
        self._show_plan()
        targets.focus()

    def _show_plan(self) -> None:
        ticked = self.ticked
        text = Text()
        if not ticked:
            text.append("Tick at least one target (space), or pick a saved set.", style="dim")
        for plan in self.plan(ticked):
            target = inert(str(plan.target))
            if plan.problems:
                text.append(
                    f"✗ {target}: {inert('; '.join(plan.problems))} (not sent)\n", style="red"
                )
            elif plan.dropped:
                text.append(
                    f"✓ {target} — does not take {inert(', '.join(plan.dropped))}: "
                    "dropped for it\n",
                    style="yellow",
                )
            else:
                text.append(f"✓ {target}\n")
        self.query_one("#picker-plan", Static).update(text)

    def _set_name(self, ticked: list[Target]) -> str | None:
        return next(
            (name for name, members in self.sets.items() if sorted(members) == sorted(ticked)), None
        )

    def action_start(self) -> None:
        ticked = self.ticked
        if not ticked:
            self.notify("tick at least one target first", severity="warning")
            return
        if not any(plan.ok for plan in self.plan(ticked)):
            self.notify(
                "no ticked target can take this request (see why below the lists)",
                severity="warning",
            )
            return
        self.dismiss(TargetChoice(tuple(ticked), self._set_name(ticked)))

    @on(Button.Pressed, "#picker-start")
    def _start_pressed(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#picker-cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)


def _label(target: Target) -> Text:
    """ "fal · fal-ai/flux/dev": a typed model id is shown as typed, never read as markup."""
    return Text(inert(f"{target.provider} · {target.model}"))
