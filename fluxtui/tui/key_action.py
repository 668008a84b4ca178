"""One entry of the key table (`key_table`): an action, its keys, its words, when it applies."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class KeyAction:
    """One remappable action: where it is bound, its default keys, its words, when it applies
    (`when`, a condition the screen that binds it knows: see `condition`) its title in the
    command palette (`command`; the palette offers it while it applies), and its place in the
    footer: `rank` (lower comes first; what does not fit is left out, highest ranks first) and
    `short`, its label on narrow terminals (the description by default)."""

    id: str
    keys: str
    action: str
    description: str
    help: str
    show: bool = True
    priority: bool = False
    when: str = ""
    command: str | None = None
    rank: int = 3
    short: str = ""

    @property
    def label(self) -> str:
        """The footer's words for it on narrow terminals."""
        return self.short or self.description

    @property
    def name(self) -> str:
        """The action's method name: "app.rerun(True)" -> "rerun"."""
        return self.action.rpartition(".")[2].partition("(")[0]

    def binding(self) -> Binding:
        return Binding(
            self.keys,
            self.action,
            self.description,
            show=self.show,
            priority=self.priority,
            tooltip=self.help,
            id=self.id,
        )
