"""Small helpers shared by the integration tests."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from fluxtui import session
from fluxtui.core import config as config_module
from fluxtui.core.engine import Engine
from fluxtui.core.models import GenerationRequest, Job, JobEvent, JobState
from fluxtui.core.store import Store
from fluxtui.sim import SimConfig, SimServer


def request(
    engine: Engine, provider: str, prompt: str = "a red fox", **params: Any
) -> GenerationRequest:
    extra = params.pop("extra", {})
    model = params.pop("model", None) or engine.config.entry(provider).choose_model()
    return GenerationRequest(prompt, provider, model, params, extra)


async def generate(
    engine: Engine, provider: str, prompt: str = "a red fox", **params: Any
) -> tuple[Job, list[JobEvent]]:
    """Run one job to its end; the job and every event it emitted."""
    events: list[JobEvent] = []
    stop = engine.add_listener(events.append)
    try:
        job = await engine.generate(request(engine, provider, prompt, **params))
    finally:
        stop()
    return job, [e for e in events if e.job_id == job.id]


def states(events: list[JobEvent]) -> list[JobState]:
    """The distinct states in the order they were entered."""
    out: list[JobState] = []
    for event in events:
        if not out or out[-1] is not event.state:
            out.append(event.state)
    return out


def sim_jobs(sim: SimServer) -> list[dict[str, Any]]:
    return httpx.get(f"{sim.api_url}/_sim/jobs").json()["jobs"]


def on(sim: SimServer, store: Store, library: Path) -> Engine:
    """An engine in demo mode on `sim`, knowing it runs it (as the app and the CLI do)."""
    config = session.demo(config_module.load(), sim)
    return Engine(config, store, library=library, simulator=session.origins(sim))


async def leave_submitted(engine: Engine, job: Job) -> None:
    """Run `job` until the provider has taken it, then stop (as a quit or a kill would)."""
    taken = asyncio.Event()
    stop = engine.add_listener(lambda event: taken.set() if event.job.submitted else None)
    task = asyncio.create_task(engine.run(job))
    try:
        await asyncio.wait_for(taken.wait(), timeout=30)  # a bound, not a pause
    finally:
        stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert job.handle is not None and not job.state.is_terminal


async def stored_demo_job(store: Store, library: Path, prompt: str, provider: str = "bfl") -> Job:
    """A demo job left submitted by a simulator that has stopped since."""
    with SimServer(SimConfig(queue_s=0.15, run_s=0.3)) as gone:
        async with on(gone, store, library) as first:
            job = first.create_job(request(first, provider, prompt))
            await leave_submitted(first, job)
    return job
