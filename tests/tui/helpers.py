"""Helpers for driving the real app: bounded waits, the screen as text, config variants."""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from textual.message import Message
from textual.pilot import Pilot

from fluxtui.core.config import Config
from fluxtui.core.models import JobSnapshot
from fluxtui.tui.app import FluxApp

STEP_S = 0.05
#: a bound on every wait, never a sleep a test relies on: passing waits end as soon as their
#: condition holds, and a loaded machine (the app and its simulator share one event loop in
#: tests) can take many times longer than an idle one
WAIT_S = 30.0


async def wait_for(pilot: Pilot, condition: Callable[[], Any], what: str) -> Any:
    """Pause the pilot until `condition()` is truthy (for at most WAIT_S); its value."""
    deadline = time.monotonic() + WAIT_S
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(STEP_S)


@dataclass(frozen=True)
class Notice:
    """A notification the app showed (it may have timed out since)."""

    title: str
    message: str
    severity: str


_NOTICES: weakref.WeakKeyDictionary[FluxApp, list[Notice]] = weakref.WeakKeyDictionary()


def record_notices(app: FluxApp) -> None:
    """Keep every notification `app` shows from now on, for `notified` (toasts time out: a busy
    machine can look after the toast is gone)."""
    shown = _NOTICES.setdefault(app, [])
    notify = app.notify

    def recording(
        message: str, *, title: str = "", severity: str = "information", **rest: Any
    ) -> None:
        shown.append(Notice(title, message, severity))
        notify(message, title=title, severity=severity, **rest)

    app.notify = recording  # type: ignore[method-assign]


def notified(app: FluxApp) -> list[Notice]:
    """Every notification `app` showed since it was made (`record_notices`), oldest first."""
    return _NOTICES[app]


def screen_text(app: FluxApp) -> str:
    """What the terminal shows (modals over the screens below them), as plain text."""
    from textual._compositor import visible_screen_stack

    visible_screen_stack.set(app._background_screens)
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def with_key(config: Config, provider: str, key: str) -> Config:
    entry = replace(config.providers[provider], key=key)
    return replace(config, providers={**config.providers, provider: entry})


def with_tui(config: Config, **tui: Any) -> Config:
    return replace(config, tui={**config.tui, **tui})


class Recorder:
    """Every message the app handles, for assertions on what happened (message_hook)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def __call__(self, message: Message) -> None:
        self.messages.append(message)

    def of(self, kind: type) -> list[Any]:
        return [m for m in self.messages if isinstance(m, kind)]


async def ready(pilot: Pilot) -> FluxApp:
    """Wait until the engine is open; the app."""
    app = pilot.app
    assert isinstance(app, FluxApp)
    await wait_for(pilot, lambda: app.controller.ready, "the engine to open")
    await pilot.pause()
    return app


async def until(
    pilot: Pilot, job: JobSnapshot, check: Callable[[JobSnapshot], Any], what: str
) -> JobSnapshot:
    """Pause until the app's latest snapshot of `job` passes `check`; that snapshot."""
    app = pilot.app
    assert isinstance(app, FluxApp)

    def latest() -> JobSnapshot | None:
        shown = app.board.get(job.id)
        return shown if shown is not None and check(shown) else None

    found: JobSnapshot = await wait_for(pilot, latest, what)
    return found


async def type_text(pilot: Pilot, text: str) -> None:
    """Type `text` key by key into whatever has focus."""
    from textual.keys import _character_to_key

    await pilot.press(*(_character_to_key(ch) for ch in text))
