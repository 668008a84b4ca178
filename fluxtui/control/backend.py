"""What the app runs on: the config, the job store, the demo simulator and the engine.

The engine (and with it httpx and the providers) is imported and opened after the first paint;
in demo mode it opens once the simulator, started in a child process, answers.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from fluxtui.control.demo import DemoSimulator
from fluxtui.core.config import Config
from fluxtui.core.store import Store

if TYPE_CHECKING:
    from fluxtui.core.engine import Engine


class Backend:
    """Opens and closes the engine; switches it between the real services and the simulator."""

    def __init__(
        self,
        config: Config,
        store_path: Path,
        *,
        library: Path | None = None,
    ):
        self.base_config = config
        self.store_path = store_path
        self.library = library
        self.simulator: DemoSimulator | None = None
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
        from fluxtui import session
        from fluxtui.core.engine import Engine

        store = self.open_store()
        config = self.base_config
        simulator: tuple[str, ...] = ()
        if demo and not config.demo:
            if self.simulator is None:
                self.simulator = DemoSimulator()
            server = await asyncio.to_thread(self.simulator.server)
            config = session.demo(config, server)
            simulator = session.origins(server)
        self.engine = Engine(config, store, library=self.library, simulator=simulator)
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
