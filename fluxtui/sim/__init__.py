"""The provider simulator: CometAPI, BFL, APIYI, OpenAI-compatible and fal on 127.0.0.1.

It speaks the wire protocols of providers.md as the services do, shares no code with
``fluxtui.core``, and injects faults on request (see :mod:`fluxtui.sim.directives`).
The exports are imported lazily, so ``import fluxtui.sim`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fluxtui.sim.app import create_app
    from fluxtui.sim.config import PublicUrls, SimConfig
    from fluxtui.sim.server import SimServer, run_cli

__all__ = ["PublicUrls", "SimConfig", "SimServer", "create_app", "run_cli"]

_HOMES = {
    "PublicUrls": "config",
    "SimConfig": "config",
    "SimServer": "server",
    "create_app": "app",
    "run_cli": "server",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
