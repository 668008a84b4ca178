"""Jobs of a headless command on the controller the app uses (fluxtui/control/): it opens the
engine (on the simulator in demo mode), runs each job as a task, and hands back `JobSnapshot`s —
from the events it relays while jobs run, and from what a job's run ends with."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from fluxtui.control.backend import Backend
from fluxtui.control.controller import Controller
from fluxtui.core import paths
from fluxtui.core.config import Config
from fluxtui.core.models import JobSnapshot


class Runs:
    """The controller's `spawn` for a command: every job a task; `on_end` hears each end."""

    def __init__(self) -> None:
        self.tasks: list[asyncio.Task[JobSnapshot]] = []
        self.on_end: Callable[[JobSnapshot], None] = lambda _: None

    def spawn(self, name: str, coroutine: Coroutine[Any, Any, JobSnapshot]) -> object:
        async def follow() -> JobSnapshot:
            ended = await coroutine
            self.on_end(ended)
            return ended

        task = asyncio.create_task(follow(), name=name)
        self.tasks.append(task)
        return task

    async def ended(self) -> list[JobSnapshot]:
        """Every job's last snapshot, in the order they were started, once all have ended."""
        return list(await asyncio.gather(*self.tasks))


@asynccontextmanager
async def open_controller(config: Config, *, demo: bool) -> AsyncIterator[tuple[Controller, Runs]]:
    """A controller over the user's store and library with its engine open (on a simulator of
    its own when `demo`), and the runs it spawns; all closed (the simulator stopped) on exit."""
    runs = Runs()
    backend = Backend(config, paths.store_file(), library=paths.library_dir())
    controller = Controller(backend, spawn=runs.spawn, demo=demo)
    try:
        await controller.open()
        yield controller, runs
    finally:
        for task in runs.tasks:  # interrupted (ctrl+c): the jobs stop here, resumable later
            task.cancel()
        await asyncio.gather(*runs.tasks, return_exceptions=True)
        await controller.close()
