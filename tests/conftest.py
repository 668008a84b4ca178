"""Shared fixtures: isolated XDG dirs for every test, a simulator on loopback, an engine on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from fluxtui.core import config as config_module
from fluxtui.core.config import Config
from fluxtui.core.engine import Engine
from fluxtui.core.store import Store
from fluxtui.session import demo
from fluxtui.sim import SimConfig, SimServer
from tests.downloading import Downloads

KEY_VARS = (
    "COMETAPI_KEY",
    "BFL_API_KEY",
    "APIYI_API_KEY",
    "OPENAI_API_KEY",
    "FAL_KEY",
    "OPENAI_BASE_URL",
    "FLUXTUI_CONFIG",
    "FLUXTUI_PROVIDER",
    "FLUXTUI_IMAGE_PROTOCOL",
    "FLUXTUI_COLOR",
)
FAST = SimConfig(queue_s=0.15, run_s=0.3, queue_depth=2)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads or writes the real home: XDG dirs point into tmp, no provider keys are set."""
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(tmp_path / name.lower()))
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    return tmp_path


@pytest.fixture(scope="session")
def sim() -> Iterator[SimServer]:
    """One simulator for the session (fast jobs); tests reset it through its control API."""
    server = SimServer(FAST)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sim_config(sim: SimServer) -> Config:
    """The default config with every provider pointed at the simulator."""
    return demo(config_module.load(), sim)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = Store(tmp_path / "jobs.sqlite3")
    yield db
    db.close()


@pytest.fixture
async def engine(sim_config: Config, store: Store, tmp_path: Path) -> AsyncIterator[Engine]:
    async with Engine(sim_config, store, library=tmp_path / "library") as running:
        yield running


@pytest.fixture
async def downloads(sim: SimServer) -> AsyncIterator[Downloads]:
    """Image URLs from the simulator, and `save_image` of them, over the engine's kind of client."""
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=True
    ) as client:
        yield Downloads(client, sim)
