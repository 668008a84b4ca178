"""The simulator in demo mode: starting it and pointing a config at it."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from fluxtui.core import config as config_module
from fluxtui.core.config import Config

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
