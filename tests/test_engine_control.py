"""Cancelling, concurrency limits and resuming, over real HTTP against the simulator."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from fluxtui.core.engine import Engine
from fluxtui.core.job_run import SENDING
from fluxtui.core.models import ErrorKind, Job, JobEvent, JobState, StateChange
from tests.helpers import request, sim_jobs


async def wait_for_state(events: list[JobEvent], job_id: str, state: JobState) -> None:
    for _ in range(500):
        if any(e.job_id == job_id and e.state is state for e in events):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"job never reached {state}")


async def test_cancel_a_queued_fal_job_at_fal(engine: Engine, sim) -> None:
    events: list[JobEvent] = []
    engine.add_listener(events.append)
    job = engine.create_job(request(engine, "fal", "cancel me [[sim: queue=5, depth=4]]"))
    task = asyncio.create_task(engine.run(job))
    await wait_for_state(events, job.id, JobState.QUEUED)
    assert engine.cancel(job.id)
    await task
    assert job.state is JobState.CANCELLED
    assert "cancelled at fal" in job.error.message
    [remote] = [j for j in sim_jobs(sim) if j["id"] == job.handle.request_id]
    assert remote["state"] == "cancelled"


async def test_cancel_where_the_provider_cannot_is_local_and_says_so(engine: Engine) -> None:
    events: list[JobEvent] = []
    engine.add_listener(events.append)
    job = engine.create_job(request(engine, "bfl", "cancel me [[sim: queue=5]]"))
    task = asyncio.create_task(engine.run(job))
    await wait_for_state(events, job.id, JobState.SUBMITTED)
    engine.cancel(job.id)
    await task
    assert job.state is JobState.CANCELLED
    assert "cannot cancel" in job.error.message


async def test_cancel_before_sending_sends_nothing(sim_config, store, tmp_path, sim) -> None:
    entry = replace(sim_config.providers["comet"], concurrency=1)
    config = replace(sim_config, providers={**sim_config.providers, "comet": entry})
    async with Engine(config, store, library=tmp_path / "lib") as engine:
        first = engine.create_job(request(engine, "comet", "first in line [[sim: queue=0.5]]"))
        second = engine.create_job(request(engine, "comet", "never sent 7f3a"))
        tasks = [asyncio.create_task(engine.run(j)) for j in (first, second)]
        await asyncio.sleep(0.1)
        engine.cancel(second.id)
        await asyncio.gather(*tasks)
    assert first.state is JobState.DONE
    assert second.state is JobState.CANCELLED
    assert not [j for j in sim_jobs(sim) if "never sent 7f3a" in j.get("prompt", "")]


async def test_the_per_provider_limit_bounds_jobs_in_flight(sim_config, store, tmp_path) -> None:
    entry = replace(sim_config.providers["bfl"], concurrency=2)
    config = replace(sim_config, providers={**sim_config.providers, "bfl": entry})
    in_flight: set[str] = set()
    most = 0

    def track(event: JobEvent) -> None:
        nonlocal most
        if event.state is JobState.SUBMITTED:
            in_flight.add(event.job_id)
        if event.state is JobState.DOWNLOADING or event.state.is_terminal:
            in_flight.discard(event.job_id)
        most = max(most, len(in_flight))

    async with Engine(config, store, library=tmp_path / "lib") as engine:
        engine.add_listener(track)
        jobs = [engine.create_job(request(engine, "bfl", f"fox {i}")) for i in range(5)]
        await asyncio.gather(*(engine.run(j) for j in jobs))
    assert all(j.state is JobState.DONE for j in jobs)
    assert most == 2


async def test_resume_follows_a_stored_handle_without_resubmitting(
    sim_config, store, tmp_path, sim
) -> None:
    async with Engine(sim_config, store, library=tmp_path / "lib") as first:
        job = first.create_job(request(first, "fal", "resume me 41d2 [[sim: queue=0.6]]"))
        task = asyncio.create_task(first.run(job))
        for _ in range(300):
            if job.state is JobState.SUBMITTED or job.state is JobState.QUEUED:
                break
            await asyncio.sleep(0.01)
        task.cancel()  # the app quits mid-job
        await asyncio.gather(task, return_exceptions=True)
    stored = store.get(job.id)
    assert stored.handle is not None and not stored.state.is_terminal
    async with Engine(sim_config, store, library=tmp_path / "lib") as second:
        resumed = await second.resume(stored)
    assert resumed.state is JobState.DONE, resumed.error
    assert len([j for j in sim_jobs(sim) if "resume me 41d2" in j.get("prompt", "")]) == 1


async def test_a_job_interrupted_while_sending_is_not_resent(engine: Engine) -> None:
    job = Job.create(request(engine, "comet", "was being sent"), demo=engine.config.demo)
    job.history.append(StateChange(JobState.PENDING, job.created_at, SENDING))
    engine.store.save(job)
    await engine.resume(job)
    assert job.state is JobState.UNCERTAIN
    assert job.error.kind is ErrorKind.INTERRUPTED
    assert "not sent again" in job.error.message and "--resend" in job.error.message


async def test_invalid_requests_are_refused_before_anything_is_stored(engine: Engine) -> None:
    bad = request(engine, "comet", "x", model="flux-pro-1.1", width=1000, height=768)
    problems = engine.validate(bad)
    assert problems == ["width 1000 is not a multiple of 32 for flux-pro-1.1 (try 992x768)"]
    assert engine.store.count() == 0


async def test_resume_retries_a_download_that_failed(sim_config, store, tmp_path) -> None:
    prompt = "flaky delivery [[sim: drop=download, drop_times=12]]"
    config = replace(sim_config, timeout_s=2.0)
    async with Engine(config, store, library=tmp_path / "lib", backoff_s=0.01) as first:
        job = await first.generate(request(first, "comet", prompt))
    assert job.state is JobState.UNREACHABLE and job.error.kind is ErrorKind.TRANSPORT
    async with Engine(sim_config, store, library=tmp_path / "lib", backoff_s=0.01) as second:
        [again] = second.resumable_jobs()
        assert again.id == job.id
        await second.resume(again)
        assert again.state is JobState.DONE and again.error is None
        assert second.resumable_jobs() == []
    assert store.get(job.id).files == again.files
