"""How fast each poll schedule notices a finished job, and what it costs in requests.

Runs N simulated jobs of known duration through the real engine over real HTTP against the
simulator (BFL protocol: submit + poll), once per schedule: ours, and the fixed 0.1 s / 0.5 s /
1.0 s loops of the official clients; then fal's status stream (SSE) for comparison. For each it
prints the median and p95 delay between "ready on the server" and "noticed by the client", and the
HTTP requests per job (submit + status; downloads excluded).

    python bench/poll_schedule.py [--jobs 30] [--seed 1]

Target (issue 2): median delay ≤ 250 ms with at most a third of the requests of the 0.1 s loop.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import httpx

from fluxtui.core import config as config_module
from fluxtui.core.engine import Engine
from fluxtui.core.models import GenerationRequest, JobEvent, JobState
from fluxtui.core.run_parts import Schedule
from fluxtui.core.schedule import FixedSchedule, PollSchedule
from fluxtui.core.store import Store
from fluxtui.session import demo
from fluxtui.sim import SimConfig, SimServer


def durations(n: int, seed: int) -> list[float]:
    """Job lengths like FLUX services': log-normal around 6 s, between 1.5 s and 25 s."""
    rng = random.Random(seed)
    return [round(min(25.0, max(1.5, rng.lognormvariate(1.8, 0.6))), 2) for _ in range(n)]


async def run_round(
    sim: SimServer,
    provider: str,
    model: str,
    lengths: list[float],
    schedule: Callable[[], Schedule],
    *,
    stream: bool,
    workdir: Path,
) -> tuple[list[float], float]:
    """(delays in seconds, requests per job) for one schedule."""
    config = demo(config_module.load(workdir / "no-config.toml", env={}), sim)
    entry = replace(config.providers[provider], concurrency=len(lengths))
    config = replace(config, providers={**config.providers, provider: entry})
    store = Store(workdir / f"{time.monotonic_ns()}.sqlite3")
    requests = 0

    async def count(request: httpx.Request) -> None:
        nonlocal requests
        requests += 1

    noticed: dict[str, float] = {}
    submitted: dict[str, float] = {}

    def on_event(event: JobEvent) -> None:
        if event.state is JobState.SUBMITTED and event.job_id not in submitted:
            submitted[event.job_id] = event.at
        if event.state is JobState.DOWNLOADING and event.job_id not in noticed:
            noticed[event.job_id] = time.time()

    async with Engine(
        config, store, library=workdir / "lib", schedule=schedule, stream_status=stream
    ) as engine:
        engine.provider(provider).client.event_hooks["request"].append(count)
        engine.add_listener(on_event)
        jobs = [
            engine.create_job(
                GenerationRequest(
                    f"bench job {i} [[sim: queue=0, run={length}]]",
                    provider,
                    model,
                    # small images: time goes to polling, not drawing
                    {"width": 256, "height": 256},
                )
            )
            for i, length in enumerate(lengths)
        ]
        await asyncio.gather(*(engine.run(job) for job in jobs))
    store.close()
    failed = [j for j in jobs if j.state is not JobState.DONE]
    if failed:
        raise SystemExit(f"{len(failed)} bench jobs failed: {failed[0].error}")
    ready = server_ready_times(sim)
    delays = [noticed[j.id] - ready[j.handle.request_id] for j in jobs]
    return delays, requests / len(jobs)


class WithoutProgressHints(PollSchedule):
    """Our schedule when the provider reports no progress (BFL does not promise `progress`)."""

    def next_delay(
        self, elapsed: float, *, eta: float | None = None, retry_after: float | None = None
    ) -> float:
        return super().next_delay(elapsed, retry_after=retry_after)


def server_ready_times(sim: SimServer) -> dict[str, float]:
    """When the simulator made each job ready (its own clock, the same machine's)."""
    jobs = httpx.get(f"{sim.api_url}/_sim/jobs").json()["jobs"]
    return {job["id"]: job["ready_at"] for job in jobs}


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    lengths = durations(args.jobs, args.seed)
    print(
        f"{args.jobs} jobs, lengths median {statistics.median(lengths):.1f} s "
        f"(min {min(lengths):.1f}, max {max(lengths):.1f})\n"
    )
    rounds: list[tuple[str, str, str, Callable[[], Schedule], bool]] = [
        ("fixed 0.1 s (fal-client)", "bfl", "flux-dev", lambda: FixedSchedule(0.1), False),
        ("fixed 0.5 s (BFL SDK)", "bfl", "flux-dev", lambda: FixedSchedule(0.5), False),
        ("fixed 1.0 s", "bfl", "flux-dev", lambda: FixedSchedule(1.0), False),
        ("fluxtui, no progress hints", "bfl", "flux-dev", WithoutProgressHints, False),
        ("fluxtui PollSchedule", "bfl", "flux-dev", PollSchedule, False),
        ("fluxtui fal SSE stream", "fal", "fal-ai/flux/dev", PollSchedule, True),
    ]
    server = SimServer(SimConfig(queue_s=0.0))
    server.start()
    results = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for name, provider, model, schedule, stream in rounds:
                delays, per_job = await run_round(
                    server, provider, model, lengths, schedule, stream=stream, workdir=Path(tmp)
                )
                results.append((name, statistics.median(delays), p95(delays), per_job))
                print(f"  ran {name}", file=sys.stderr)
    finally:
        server.stop()
    baseline = results[0][3]
    print(f"{'schedule':<27} {'median':>8} {'p95':>8} {'req/job':>8} {'vs 0.1 s':>9}")
    for name, median, high, per_job in results:
        print(
            f"{name:<27} {median * 1000:>6.0f}ms {high * 1000:>6.0f}ms {per_job:>8.1f} "
            f"{per_job / baseline:>8.2f}×"
        )


if __name__ == "__main__":
    asyncio.run(main())
