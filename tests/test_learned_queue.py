"""What the store learns besides a job's length: when polling found it ready (between two polls),
and how long one place in fal's queue takes, which paces the polls of a job waiting in a queue
(real jobs through the engine on the simulator)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from fluxtui.commands.progress import detail
from fluxtui.core.config import Config
from fluxtui.core.engine import Engine
from fluxtui.core.learned import MIN_QUEUED, History, position_seconds, ready_seconds, stats
from fluxtui.core.learned_schedule import SPARSE, queued_delay
from fluxtui.core.models import (
    GenerationRequest,
    Job,
    JobEvent,
    JobSnapshot,
    JobState,
    StateChange,
)
from fluxtui.core.store import Store
from fluxtui.sim import SimServer
from tests.helpers import sim_jobs

FAL = ("fal", "fal-ai/flux/dev")


def queued_job(n: int, position: int, waited: float, *, ready_after: float = 1.0) -> Job:
    """A finished fal job first seen `position` places from the front, out of the queue
    `waited` seconds later."""
    at = 1_700_000_000.0 + n * 100
    job = Job(id=f"{n:04d}-queued", request=GenerationRequest("a fox", *FAL), created_at=at)
    job.state = JobState.DONE
    job.history = [
        StateChange(JobState.SUBMITTED, at),
        StateChange(JobState.QUEUED, at + 0.1, position=position),
        StateChange(JobState.RUNNING, at + 0.1 + waited),
        StateChange(JobState.DOWNLOADING, at + 0.1 + waited + ready_after),
        StateChange(JobState.DONE, at + 0.2 + waited + ready_after),
    ]
    return job


def test_a_ready_time_found_by_polling_is_the_middle_of_the_two_polls() -> None:
    job = queued_job(1, 0, 0.0)
    job.history[3] = StateChange(JobState.DOWNLOADING, job.history[3].at, since=job.history[2].at)
    polled = ready_seconds(job)
    assert polled is not None and abs(polled - 0.6) < 1e-6  # ready between 0.1 s and 1.1 s
    streamed = ready_seconds(queued_job(1, 0, 0.0))  # no poll before: the status came as it was
    assert streamed is not None and abs(streamed - 1.1) < 1e-6
    resent = queued_job(2, 0, 0.0)
    resent.history.insert(2, StateChange(JobState.SUBMITTED, resent.history[1].at + 0.05))
    resent_ready = ready_seconds(resent)
    assert resent_ready is not None and abs(resent_ready - 0.95) < 1e-6  # the latest submit


def test_a_place_in_the_queue_is_the_wait_over_the_places_ahead_and_its_own() -> None:
    per_place = position_seconds(queued_job(1, 3, 8.0))
    assert per_place == 2.0
    never_queued = queued_job(2, 0, 0.0)
    never_queued.history = [c for c in never_queued.history if c.state is not JobState.QUEUED]
    assert position_seconds(never_queued) is None


def test_the_store_keeps_a_position_and_the_poll_before_ready(store: Store) -> None:
    job = queued_job(1, 3, 8.0)
    job.history[3] = StateChange(JobState.DOWNLOADING, job.history[3].at, since=job.history[2].at)
    store.save(job)
    again = store.get(job.id)
    assert again is not None and again.history == job.history
    plain = StateChange(JobState.RUNNING, 2.0).to_dict()
    assert plain == {"state": "running", "at": 2.0, "detail": None}  # as older versions wrote
    assert StateChange.from_dict(plain) == StateChange(JobState.RUNNING, 2.0)


def test_history_and_stats_learn_the_queue_from_the_store(store: Store) -> None:
    for n in range(MIN_QUEUED - 1):
        store.save(queued_job(n, 1, 2.0 + n * 0.2))  # 1.0, 1.1, 1.2, 1.3 s a place
    request = GenerationRequest("a fox", *FAL)
    history = History(store, demo=False)
    too_few = history.position_seconds(request)
    assert too_few is None
    history.learn(queued_job(9, 1, 2.8))  # 1.4 s a place
    learnt = history.position_seconds(request)
    assert learnt is not None and abs(learnt - 1.2) < 1e-6
    assert history.queries == 1
    (row,) = stats(store)
    assert row.queued == MIN_QUEUED - 1 and row.position_s is not None
    assert row.to_dict()["position_s"] == 1.15


def test_the_expected_start_of_a_queued_job() -> None:
    request = GenerationRequest("a fox", *FAL)
    queued = JobSnapshot("j1", request, JobState.QUEUED, 1.0, queue_position=2)
    assert detail(queued) == "2 ahead in queue"  # nothing learnt
    assert detail(replace(queued, place_s=1.5)) == "2 ahead in queue, starts in ~4.5 s"
    front = replace(queued, queue_position=0, place_s=1.5)
    assert detail(front) == "next in queue, starts in ~1.5 s"


def test_a_queued_job_is_asked_once_a_place() -> None:
    assert queued_delay(0.3, 4, 1.5) == 1.5  # each move is still seen
    assert queued_delay(0.3, 0, 1.5) == 0.3  # at the front it starts any moment
    assert queued_delay(0.3, None, 1.5) == 0.3
    assert queued_delay(0.3, 4, None) == 0.3  # nothing learnt: the schedule's own
    assert queued_delay(2.0, 4, 1.5) == 2.0  # never sooner than the schedule (or Retry-After)
    assert queued_delay(0.3, 4, 60.0) == SPARSE  # a slow queue is still watched


async def run_queued(engine: Engine, tag: str, n: int) -> list[Job]:
    prompts = [f"{tag} {i} [[sim: queue=4, depth=3, run=0.2]]" for i in range(n)]  # 1 s a place
    jobs = [engine.create_job(GenerationRequest(p, *FAL)) for p in prompts]
    done = await asyncio.gather(*(engine.run(job) for job in jobs))
    assert all(job.state is JobState.DONE for job in done), [job.error for job in done]
    return done


def polls_of(sim: SimServer, jobs: list[Job]) -> float:
    ids = {job.handle.request_id for job in jobs if job.handle}
    counts = [j["polls"] for j in sim_jobs(sim) if j["id"] in ids]
    assert len(counts) == len(jobs)
    return sum(counts) / len(counts)


async def test_polled_fal_jobs_learn_the_queue_and_are_asked_less_while_they_wait(
    sim: SimServer, sim_config: Config, store: Store, tmp_path: Path
) -> None:
    events: list[JobEvent] = []
    async with Engine(sim_config, store, library=tmp_path / "lib", stream_status=False) as engine:
        fresh = await run_queued(engine, "fresh", MIN_QUEUED)
        before = polls_of(sim, fresh)
        engine.add_listener(events.append)
        learnt = await run_queued(engine, "learnt", 3)
        after = polls_of(sim, learnt)
    queued = [e.job for e in events if e.state is JobState.QUEUED]
    assert queued and all(job.place_s is not None for job in queued)
    assert "ahead in queue, starts in ~" in detail(queued[0])  # what `generate` shows
    job = fresh[0]
    entered = [c for c in job.history if c.state is JobState.QUEUED]
    assert entered and entered[0].position is not None  # what the first status said
    (ready,) = [c for c in job.history if c.state is JobState.DOWNLOADING]
    assert ready.since is not None and ready.since < ready.at  # polled: the poll before
    assert after < before
    later = History(store, demo=True).position_seconds(GenerationRequest("x", *FAL))
    assert later is not None and later > 0  # a later process reads it from the store


async def test_a_streamed_job_records_its_place_and_no_poll_before_ready(
    engine: Engine,
) -> None:
    (job,) = await run_queued(engine, "streamed", 1)
    assert job.place_s is None  # nothing learnt yet: no expected start
    queued = [c for c in job.history if c.state is JobState.QUEUED]
    assert queued and queued[0].position is not None
    (ready,) = [c for c in job.history if c.state is JobState.DOWNLOADING]
    assert ready.since is None  # the stream said so as it happened
    assert position_seconds(job) is not None
