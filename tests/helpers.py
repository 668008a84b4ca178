"""Small helpers shared by the integration tests."""

from __future__ import annotations

from typing import Any

import httpx

from fluxtui.core.engine import Engine
from fluxtui.core.models import GenerationRequest, Job, JobEvent, JobState
from fluxtui.sim import SimServer


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
