"""Command palette entries for a screen's keys: every action a screen binds is also a command
(shown when it applies), so that ctrl+p finds what the footer has no room for."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from fluxtui.tui.keymap import KeyAction


def key_commands(group: str, actions: tuple[KeyAction, ...]) -> type[Provider]:
    """A palette provider offering `actions` (bound to a screen as "screen.NAME") there."""

    class KeyCommands(Provider):
        def commands(self) -> Iterator[tuple[str, str, KeyAction]]:
            screen = self.screen
            for action in actions:
                name = action.action.removeprefix("screen.")
                if screen.check_action(name, ()):
                    yield f"{group}: {action.description}", action.help, action

        def _run(self, action: KeyAction) -> None:
            self.app.call_later(self.app.run_action, action.action, self.screen)

        async def discover(self) -> Hits:
            for title, help_text, action in self.commands():
                yield DiscoveryHit(title, partial(self._run, action), help=help_text)

        async def search(self, query: str) -> Hits:
            matcher = self.matcher(query)
            for title, help_text, action in self.commands():
                score = matcher.match(title)
                if score > 0:
                    yield Hit(score, matcher.highlight(title), partial(self._run, action),
                              help=help_text)

    KeyCommands.__name__ = f"{group}Commands"
    return KeyCommands
