"""The footer every screen shows: its own active keys, the most important first, as many as fit.

Textual's `Footer` lists a screen's keys in the order the focused widget and its ancestors bind
them, and cuts off what does not fit. This one orders them by the key table's `rank` and leaves
out, from the least important, those the width has no room for (they stay in the help screen and
the command palette). Below `NARROW` columns it is compact, uses the table's short labels and
leaves out the keys that do not apply now.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from fluxtui.tui.key_action import KeyAction
from fluxtui.tui.keymap import GROUPS

NARROW = 100
BY_ID: dict[str, KeyAction] = {action.id: action for group in GROUPS.values() for action in group}
#: the rank of a binding the key table does not know (a dialog's answers): before the others
UNRANKED = -1


@dataclass(frozen=True)
class Shown:
    """A key as the footer shows it."""

    binding: Binding
    key: str
    label: str
    enabled: bool
    tooltip: str
    rank: int

    def width(self, compact: bool) -> int:
        """Columns it takes: FooterKey's padding, and the margin between keys when compact."""
        return len(self.key) + len(self.label) + (2 if compact else 3)


class KeyFooter(Footer):
    """A footer of the focused screen's keys, ordered by importance, fitted to the width."""

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:  # Footer's: set once the screen's bindings are known
            return
        narrow = self.app.size.width < NARROW
        self.compact = narrow
        palette = self._palette()
        room = self.app.size.width - (palette.width(narrow) + 2 if palette else 0)
        for shown in fit(list(self._keys(narrow)), room, narrow):
            yield self._key(shown, "")
        if palette is not None:
            yield self._key(palette, "-command-palette")

    def _keys(self, narrow: bool) -> Iterator[Shown]:
        """The screen's shown keys (one per action), by rank; the palette's key apart."""
        seen: set[str] = set()
        keys: list[Shown] = []
        for _, binding, enabled, tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            if binding.action == "app.command_palette" or (narrow and not enabled):
                continue
            seen.add(binding.action)
            action = BY_ID.get(binding.id or "")
            label = binding.description
            if action is not None and narrow:
                label = action.label
            rank = action.rank if action is not None else UNRANKED
            key = self.app.get_key_display(binding)
            keys.append(Shown(binding, key, label, enabled, tooltip, rank))
        yield from sorted(keys, key=lambda shown: shown.rank)

    def _palette(self) -> Shown | None:
        if not (self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE):
            return None
        active = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if active is None:
            return None
        _, binding, enabled, tooltip = active
        key = self.app.get_key_display(binding)
        return Shown(binding, key, binding.description, enabled, tooltip, UNRANKED)

    def _key(self, shown: Shown, classes: str) -> FooterKey:
        key = FooterKey(
            shown.binding.key,
            shown.key,
            shown.label,
            shown.binding.action,
            disabled=not shown.enabled,
            tooltip=shown.tooltip or shown.binding.description,
            classes=classes,
        )
        # Set, not bound: a `data_bind` would add a watcher to this footer that outlives the key
        # (Textual keeps it until `compact` changes, which it never does after compose), so
        # every recompose (each change of the keys shown) kept its keys alive and made the next
        # one slower. The footer is composed again whenever `compact` would change. Nor assigned:
        # FooterKey's watcher would style the key twice before it is mounted (its default, on,
        # then the footer's), as Textual's own Footer avoids.
        key.set_reactive(FooterKey.compact, self.compact)
        key.set_class(self.compact, "-compact", update=False)
        return key

    def on_resize(self) -> None:
        """What fits changes with the width (and below NARROW, the labels)."""
        self.call_after_refresh(self.recompose)


def fit(keys: list[Shown], room: int, compact: bool) -> list[Shown]:
    """The keys that fit in `room` columns, taken by rank (a key too wide is skipped for the
    smaller ones after it), in rank order."""
    kept: list[Shown] = []
    for shown in keys:
        width = shown.width(compact)
        if width <= room:
            kept.append(shown)
            room -= width
    return kept
