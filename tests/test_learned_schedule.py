"""The learnt poll schedule: its shape given a history, and the requests a job costs falling as
the store learns its kind (real jobs through the engine on the simulator)."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from fluxtui.core.config import Config
from fluxtui.core.engine import Engine
from fluxtui.core.learned import MIN_JOBS, Durations, History, bucket, ready_seconds
from fluxtui.core.learned_schedule import LearnedSchedule
from fluxtui.core.models import GenerationRequest, Job, JobState, StateChange
from fluxtui.core.store import Store
from fluxtui.sim import SimServer
from tests.helpers import sim_jobs


def polls_until(schedule: LearnedSchedule, ready: float) -> list[float]:
    """The times the schedule polls a job that is ready `ready` s after its submit, up to the
    poll that sees it."""
    elapsed = schedule.next_delay(0.0)
    times = [elapsed]
    while elapsed < ready:
        elapsed += schedule.next_delay(elapsed)
        times.append(elapsed)
    return times


def test_sparse_before_the_window_dense_in_it_todays_after() -> None:
    durations = Durations.of([10.0 + i * 0.005 for i in range(40)])  # 10.0 s to 10.2 s
    schedule = LearnedSchedule(durations, margin=0.01, jitter=0, phase=0, rng=random.Random(1))
    low, high = schedule.window()
    assert 9.8 < low < 10.0 and 10.2 < high < 10.5
    assert schedule.step() == schedule.dense
    # one early look (the job is there, or was refused at once), then sparse until the window
    assert schedule.next_delay(0.0) == schedule.first == 1.0
    assert schedule.next_delay(1.0) == schedule.sparse
    assert schedule.next_delay(6.0) == low - 6.0  # straight to the window
    assert schedule.next_delay(10.1) == schedule.dense
    assert schedule.after.steady >= schedule.next_delay(11.0) > 0  # today's, beyond it
    times = polls_until(schedule, 10.1)
    assert len(times) <= 4 + (10.1 - low) / schedule.dense  # the first look, a sparse one, …
    assert times[-1] - 10.1 <= schedule.dense  # noticed within one dense interval


def test_a_window_that_opens_before_the_first_look_is_not_missed() -> None:
    durations = Durations.of([0.8 + i * 0.005 for i in range(40)])  # 0.8 s to 1.0 s (schnell)
    schedule = LearnedSchedule(durations, jitter=0, phase=0)
    low, _ = schedule.window()
    assert low < schedule.first
    assert schedule.next_delay(0.0) == low  # straight to the window, not to the first look
    times = polls_until(schedule, 0.9)
    assert times[-1] - 0.9 <= schedule.step()


def test_jobs_of_a_kind_sent_together_start_their_dense_polls_apart() -> None:
    durations = Durations.of([10.0 + i * 0.005 for i in range(40)])
    starts = []
    for seed in range(8):
        schedule = LearnedSchedule(durations, rng=random.Random(seed))
        low, _ = schedule.window()
        first_dense = 1.0 + schedule.next_delay(1.0)
        first_dense += schedule.next_delay(first_dense)  # sparse, then to the job's start
        assert low - schedule.step() <= first_dense <= low  # never after the window opens
        starts.append(first_dense)
    spread = max(starts) - min(starts)
    assert spread > schedule.step() / 2  # spread over a step, not all at the same instant


def test_a_wide_window_costs_at_most_so_many_polls() -> None:
    durations = Durations.of([10.0 + i * 0.1 for i in range(40)])  # 10 s to 13.9 s
    schedule = LearnedSchedule(durations, jitter=0, phase=0)
    low, high = schedule.window()
    assert schedule.step() == (high - low) / schedule.most_dense > schedule.dense
    times = polls_until(schedule, high - 0.01)
    assert len(times) <= 3 + schedule.most_dense


def test_a_resumed_job_is_placed_by_its_age_and_retry_after_is_a_floor() -> None:
    durations = Durations.of([4.0] * 30)
    schedule = LearnedSchedule(durations, offset=3.95, jitter=0, phase=0)
    assert schedule.next_delay(0.0) == schedule.dense  # already in its window
    assert schedule.next_delay(0.0, retry_after=2.0) == 2.0
    assert schedule.next_delay(0.0, eta=0.01) == schedule.dense  # not under the interval
    fresh = LearnedSchedule(durations, jitter=0, phase=0)
    assert fresh.next_delay(1.0, eta=2.0) == 2.02


def finished(request: GenerationRequest, ready: float, at: float = 1000.0) -> Job:
    job = Job(id=f"job-{at}-{ready}", request=request, state=JobState.DONE, created_at=at)
    job.history = [
        StateChange(JobState.PENDING, at),
        StateChange(JobState.SUBMITTED, at + 0.2),
        StateChange(JobState.DOWNLOADING, at + 0.2 + ready),
        StateChange(JobState.DONE, at + 0.5 + ready),
    ]
    return job


def test_history_reads_the_store_once_and_learns_by_size(store: Store) -> None:
    small = GenerationRequest("a fox", "bfl", "flux-dev", {"width": 512, "height": 512})
    large = small.replace(params={"width": 1024, "height": 1024})
    assert bucket(small) != bucket(large)
    for i in range(MIN_JOBS - 1):
        store.save(finished(small, 3.0 + i * 0.01, at=1000.0 + i))
    history = History(store, demo=False)
    too_few = history.durations(small)
    assert too_few is None  # one job short: today's schedule
    history.learn(finished(small, 3.3, at=2000.0))
    learnt = history.durations(small)
    assert learnt is not None and len(learnt.seconds) == MIN_JOBS
    assert abs(learnt.median - 3.09) < 0.02
    other_size = history.durations(large)
    assert other_size is None  # another size is another kind of job
    for _ in range(50):
        history.durations(small)
    assert history.queries == 1  # one query per provider+model, never one per poll
    assert ready_seconds(finished(small, 2.5)) == 2.5


async def run_batch(engine: Engine, prompts: list[str]) -> list[Job]:
    requests = [
        GenerationRequest(p, "bfl", "flux-dev", {"width": 256, "height": 256}) for p in prompts
    ]
    jobs = [engine.create_job(r) for r in requests]
    await asyncio.gather(*(engine.run(job) for job in jobs))
    assert all(job.state is JobState.DONE for job in jobs), [job.error for job in jobs]
    return jobs


def polls_of(sim: SimServer, jobs: list[Job]) -> float:
    """The mean status polls per job, as the simulator counted them."""
    ids = {job.handle.request_id for job in jobs if job.handle}
    counts = [j["polls"] for j in sim_jobs(sim) if j["id"] in ids]
    assert len(counts) == len(jobs)
    return sum(counts) / len(counts)


async def test_requests_per_job_fall_as_the_store_learns(
    sim: SimServer, sim_config: Config, store: Store, tmp_path: Path
) -> None:
    run = "[[sim: queue=0, run=6]]"  # as real jobs of one model and size: the same length
    async with Engine(sim_config, store, library=tmp_path / "lib") as engine:
        assert engine.history is not None
        fresh = await run_batch(engine, [f"fresh {i} {run}" for i in range(4)])
        before = polls_of(sim, fresh)
        await run_batch(engine, [f"teach {i} {run}" for i in range(MIN_JOBS)])
        learnt = await run_batch(engine, [f"learnt {i} {run}" for i in range(4)])
        after = polls_of(sim, learnt)
        assert engine.history.queries == 1
    assert after < before
    # a later process learns the same from the store
    async with Engine(sim_config, store, library=tmp_path / "lib") as later:
        again = await run_batch(later, [f"later {i} {run}" for i in range(4)])
    assert polls_of(sim, again) < before
