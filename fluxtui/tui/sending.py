"""Sending through the controller from a screen: refusals shown, a run over budget asked about.

`missing_key(controller, provider)` is the refusal the screens make before anything is tried: a
provider with no key (outside demo mode) would fail at once, so nothing is sent to it.

`attempt(app, send, sent)` calls `send(False)`; over budget it asks first and, on a yes, calls
`send(True)` ("send anyway"); pressed while the app's engine first opens (the simulator starting),
it waits for it; a refused request, an engine being switched or a running job are said in a
notification (the app makes every notification inert). `sent` gets what `send` returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from textual.app import App

from fluxtui.control.controller import Controller
from fluxtui.control.outcomes import NotReady, OverBudget, Started, StillRunning
from fluxtui.core.errors import FluxtuiError, InvalidRequest

if TYPE_CHECKING:
    from fluxtui.core.compare import TargetPlan  # with the engine: not needed to paint

T = TypeVar("T")


def missing_key(controller: Controller, provider: str) -> str | None:
    """How to set `provider`'s key when it has none (never in demo mode); None when it has one."""
    entry = controller.backend.base_config.providers.get(provider)
    if controller.demo or entry is None or entry.has_key:
        return None
    return entry.missing_key_message


def refused_without_key(controller: Controller, plan: TargetPlan) -> TargetPlan:
    """A comparison target's `plan`, refused when its provider has no key."""
    no_key = missing_key(controller, plan.target.provider)
    return replace(plan, problems=(*plan.problems, no_key)) if no_key else plan


@runtime_checkable
class Holds(Protocol):
    """An app that keeps what is sent before its engine has opened, to send it then."""

    def hold_until_open(self, send: Callable[[], None]) -> bool: ...


def attempt(app: App[Any], send: Callable[[bool], T], sent: Callable[[T], object]) -> None:
    """`sent(send(False))`, or after asking `sent(send(True))` when over budget. Before the
    app's engine has first opened, the attempt is held and made once it has."""
    try:
        result = send(False)
    except NotReady as exc:
        if isinstance(app, Holds) and app.hold_until_open(lambda: attempt(app, send, sent)):
            app.notify("sending once fluxtui has started…", timeout=4)
        else:
            _refused(app, exc)
        return
    except OverBudget as over:
        from fluxtui.tui.screens.confirm import ConfirmScreen  # not in the first frame

        def answered(answer: str | None) -> None:
            if answer == "send":
                _finish(app, send, sent, over_budget=True)
            else:
                app.notify("nothing was sent (over budget)", title="Budget", timeout=4)

        question = f"Over budget: {over.verdict.message()}.\nSend it anyway?"
        app.push_screen(ConfirmScreen(question, [("y", "Send anyway", "send")]), answered)
        return
    except FluxtuiError as exc:
        _refused(app, exc)
        return
    _sent(app, result, sent)


def _finish(
    app: App[Any], send: Callable[[bool], T], sent: Callable[[T], object], *, over_budget: bool
) -> None:
    try:
        result = send(over_budget)
    except FluxtuiError as exc:
        _refused(app, exc)
        return
    _sent(app, result, sent)


def _sent(app: App[Any], result: T, sent: Callable[[T], object]) -> None:
    if isinstance(result, Started) and result.note:
        app.notify(result.note, title="Budget", severity="warning", timeout=6)
    sent(result)


def _refused(app: App[Any], exc: FluxtuiError) -> None:
    if isinstance(exc, InvalidRequest):
        app.notify("\n".join(exc.problems), title="Not sent", severity="error", timeout=8)
    elif isinstance(exc, NotReady | StillRunning):
        app.notify(str(exc), severity="warning", timeout=4)
    else:
        app.notify(str(exc), title="Not sent", severity="error", timeout=8)
