"""Command palette entries from the key table: an action a screen binds is also a command (shown
while it applies), so that ctrl+p finds what the footer has no room for."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from fluxtui.tui.key_action import KeyAction
from fluxtui.tui.safe import highlight

#: what a screen's (or the app's) COMMANDS holds
Providers = set[type[Provider] | Callable[[], type[Provider]]]


def key_commands(actions: tuple[KeyAction, ...], group: str | None = None) -> type[Provider]:
    """A palette provider offering `actions` where they are bound: with a `group`, each titled
    "group: description"; without one, those with a `command` title only."""

    class KeyCommands(Provider):
        def commands(self) -> Iterator[tuple[str, str, KeyAction]]:
            for action in actions:
                title = action.command or (f"{group}: {action.description}" if group else None)
                if title is None:
                    continue
                namespace = self.app if action.action.startswith("app.") else self.screen
                if namespace.check_action(action.name, ()):
                    yield title, action.help, action

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
                    yield Hit(
                        score, highlight(matcher, title), partial(self._run, action), help=help_text
                    )

    KeyCommands.__name__ = f"{group or 'Key'}Commands"
    return KeyCommands
