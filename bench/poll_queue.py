"""What polling a fal job that waits in a queue costs, before and after the store learns how long
one place takes.

Runs fal jobs that each wait `--places` places of 1 s in the simulator's queue (in a process of
its own) and then run 1 s, polled (the status stream off, as when a proxy does not pass SSE):
with the fixed 0.1 s loop of fal's own client, with today's schedule and no history, and with
today's schedule once the store has seen `--teach` such jobs (a queued job is then asked once a
place). For each it prints the status requests per job (the simulator's count), the median delay
between the job leaving the queue on the server and the client seeing it run, the median
"ready → noticed" delay, and the ratio of requests to the 0.1 s loop's.

    python bench/poll_queue.py [--jobs 6] [--places 5] [--teach 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import httpx
from sim_process import free_port, start_simulator, urls

from fluxtui.core import config as config_module
from fluxtui.core.engine import Engine
from fluxtui.core.models import GenerationRequest, Job, JobState
from fluxtui.core.run_parts import Schedule
from fluxtui.core.schedule import FixedSchedule, PollSchedule
from fluxtui.core.settings import Transport
from fluxtui.core.store import Store

MODEL = "fal-ai/flux/dev"
#: seconds each job runs once out of the queue
RUN_S = 1.0


def prompt(tag: str, places: int) -> str:
    return f"queue bench {tag} [[sim: queue={places}, depth={places - 1}, run={RUN_S}]]"


async def run(
    port: int, schedule: Callable[[], Schedule], jobs: int, places: int, teach: int, tmp: Path
) -> tuple[float, float, float, float | None]:
    """(requests per job, start seen late, ready noticed late, learnt seconds per place)."""
    config = config_module.demo_config(config_module.load(tmp / "none.toml", env={}), urls(port))
    entry = replace(
        config.providers["fal"], concurrency=64, transport=Transport(max_requests_per_second=1000)
    )
    config = replace(config, providers={**config.providers, "fal": entry})
    store = Store(tmp / f"{time.monotonic_ns()}.sqlite3")
    options = {"schedule": schedule, "stream_status": False, "learn": teach > 0}
    async with Engine(config, store, library=tmp / "lib", **options) as engine:
        if teach:
            taught = [
                GenerationRequest(prompt(f"teach {i}", places), "fal", MODEL) for i in range(teach)
            ]
            await asyncio.gather(*(engine.generate(r) for r in taught))
        measured = [
            engine.create_job(GenerationRequest(prompt(str(i), places), "fal", MODEL))
            for i in range(jobs)
        ]
        done: list[Job] = await asyncio.gather(*(engine.run(job) for job in measured))
        per_place = engine.history.position_seconds(done[0].request) if engine.history else None
    store.close()
    if any(job.state is not JobState.DONE for job in done):
        raise SystemExit(f"a bench job failed: {[j.error for j in done if j.error][:1]}")
    server = {j["id"]: j for j in httpx.get(f"http://127.0.0.1:{port}/_sim/jobs").json()["jobs"]}
    polls, started, ready = [], [], []
    for job in done:
        assert job.handle is not None
        sim = server[job.handle.request_id]
        polls.append(sim["polls"])
        running = job.first_time(JobState.RUNNING)
        if running is not None:
            started.append(running - (sim["ready_at"] - RUN_S))
        noticed = job.first_time(JobState.DOWNLOADING)
        assert noticed is not None
        ready.append(noticed - sim["ready_at"])
    median_started = statistics.median(started) if started else float("nan")
    return statistics.mean(polls), median_started, statistics.median(ready), per_place


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=6, help="measured jobs per round")
    parser.add_argument("--places", type=int, default=5, help="1 s places each job waits")
    parser.add_argument("--teach", type=int, default=5, help="queued jobs learnt first")
    args = parser.parse_args()
    rounds: list[tuple[str, Callable[[], Schedule], int]] = [
        ("fixed 0.1 s (fal-client)", lambda: FixedSchedule(0.1), 0),
        ("fluxtui, no history", PollSchedule, 0),
        (f"fluxtui, learnt ({args.teach} jobs)", PollSchedule, args.teach),
    ]
    print(
        f"{args.jobs} fal jobs per round, each {args.places} places of 1 s in the queue, then 1 s"
    )
    port = free_port()
    simulator = start_simulator(port, "--queue", "0")
    results = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for name, schedule, teach in rounds:
                figures = await run(port, schedule, args.jobs, args.places, teach, Path(tmp))
                results.append((name, *figures))
                print(f"  ran {name}", file=sys.stderr)
    finally:
        simulator.terminate()
        simulator.wait(10)
    baseline = results[0][1]
    print(f"{'schedule':<26} {'req/job':>8} {'vs 0.1 s':>9} {'start seen':>11} {'ready seen':>11}")
    for name, per_job, started, ready, per_place in results:
        learnt = f"   (learnt {per_place:.2f} s a place)" if per_place else ""
        print(
            f"{name:<26} {per_job:>8.1f} {per_job / baseline:>8.0%} {started * 1000:>9.0f}ms "
            f"{ready * 1000:>9.0f}ms{learnt}"
        )


if __name__ == "__main__":
    asyncio.run(main())
