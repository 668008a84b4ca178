"""The simulator in demo mode: pointing a config at it (it runs in a child process of the app,
`fluxtui.control.demo`; the tests run one in their own process)."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from fluxtui.core import config as config_module
from fluxtui.core.config import Config

SIM_SERVICES = ("comet", "bfl", "apiyi", "openai", "fal")


class Simulator(Protocol):
    """Where a simulator answers: one in this process (`SimServer`) or a child process's."""

    @property
    def api_url(self) -> str: ...

    @property
    def cluster_url(self) -> str: ...

    def base_url(self, service: str) -> str: ...


def demo(config: Config, server: Simulator) -> Config:
    """`config` with every provider pointed at the simulator `server`."""
    return config_module.demo_config(config, {name: server.base_url(name) for name in SIM_SERVICES})


def origins(server: Simulator) -> tuple[str, str]:
    """Where the simulator `server` answers (its api and cluster ports): an engine on it tells
    its own demo jobs from those of a simulator that has stopped."""
    return (server.api_url, server.cluster_url)


def with_timeout(config: Config, timeout_s: float | None) -> Config:
    return replace(config, timeout_s=timeout_s) if timeout_s else config
