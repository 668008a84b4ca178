"""What the app runs on: the config, the job store, the demo simulator and the engine.

In demo mode the simulator starts in a thread as soon as the app is launched, so the first paint
does not wait for it; the engine is opened (in the app's loop) once the simulator answers.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from fluxtui import session
from fluxtui.core.config import Config
from fluxtui.core.engine import Engine
from fluxtui.core.store import Store

if TYPE_CHECKING:
    from fluxtui.sim import SimServer

SIM_START_TIMEOUT_S = 20.0


class DemoSimulator:
    """The provider simulator for demo mode, starting in a background thread."""

    def __init__(self) -> None:
        self._future: Future[SimServer] = Future()
        threading.Thread(target=self._start, name="fluxtui-sim-start", daemon=True).start()

    def _start(self) -> None:
        try:
            self._future.set_result(session.start_simulator())
        except BaseException as exc:  # reported to whoever waits for the server
            self._future.set_exception(exc)

    def server(self) -> SimServer:
        """The running simulator; waits for it to start (raises if it could not)."""
        return self._future.result(timeout=SIM_START_TIMEOUT_S)

    def stop(self) -> None:
        try:
            server = self._future.result(timeout=SIM_START_TIMEOUT_S)
        except Exception:
            return
        server.stop()


class Backend:
    """Opens and closes the engine; switches it between the real services and the simulator."""

    def __init__(
        self,
        config: Config,
        store_path: Path,
        *,
        simulator: DemoSimulator | None = None,
        library: Path | None = None,
    ):
        self.base_config = config
        self.store_path = store_path
        self.library = library
        self.simulator = simulator
        self.store: Store | None = None
        self.engine: Engine | None = None

    @property
    def can_leave_demo(self) -> bool:
        """Whether a provider has a real key (the base config is not the simulator's already)."""
        return self.base_config.any_key and not self.base_config.demo

    def open_store(self) -> Store:
        if self.store is None:
            self.store = Store(self.store_path)
        return self.store

    async def open(self, *, demo: bool) -> Engine:
        """A new engine on the simulator (`demo`) or on the configured services."""
        store = self.open_store()
        config = self.base_config
        if demo and not config.demo:
            if self.simulator is None:
                self.simulator = DemoSimulator()
            server = await asyncio.to_thread(self.simulator.server)
            config = session.demo(config, server)
        self.engine = Engine(config, store, library=self.library)
        return self.engine

    async def close_engine(self) -> None:
        if self.engine is not None:
            engine, self.engine = self.engine, None
            await engine.aclose()

    async def close(self) -> None:
        """Close the engine and the store, and stop the simulator."""
        await self.close_engine()
        if self.store is not None:
            self.store.close()
            self.store = None
        if self.simulator is not None:
            simulator, self.simulator = self.simulator, None
            await asyncio.to_thread(simulator.stop)
