"""Opening the engine for a command or the app: config, store, and the simulator in demo mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

from fluxtui.core import config as config_module
from fluxtui.core import paths
from fluxtui.core.config import Config
from fluxtui.core.engine import Engine
from fluxtui.core.store import Store

if TYPE_CHECKING:
    from fluxtui.sim import SimServer

SIM_SERVICES = ("comet", "bfl", "apiyi", "openai", "fal")


def start_simulator() -> SimServer:
    """The built-in provider simulator on loopback, in a background thread."""
    from fluxtui.sim import SimServer

    server = SimServer()
    server.start()
    return server


def demo(config: Config, server: SimServer) -> Config:
    """`config` with every provider pointed at the simulator `server`."""
    return config_module.demo_config(config, {name: server.base_url(name) for name in SIM_SERVICES})


def origins(server: SimServer) -> tuple[str, str]:
    """Where the simulator `server` answers (its api and cluster ports): an engine on it tells
    its own demo jobs from those of a simulator that has stopped."""
    return (server.api_url, server.cluster_url)


def with_timeout(config: Config, timeout_s: float | None) -> Config:
    return replace(config, timeout_s=timeout_s) if timeout_s else config


@asynccontextmanager
async def open_engine(config: Config, *, demo_mode: bool) -> AsyncIterator[Engine]:
    """An engine over the user's store; on the simulator when `demo_mode`."""
    server = start_simulator() if demo_mode else None
    store = Store(paths.store_file())
    try:
        effective = demo(config, server) if server else config
        async with Engine(effective, store, simulator=origins(server) if server else ()) as engine:
            yield engine
    finally:
        store.close()
        if server:
            server.stop()
