"""Client CPU while hundreds of jobs wait on their provider: 500 BFL-protocol jobs polled, and
500 fal jobs on their status streams (SSE).

The simulator runs in its own process (`fluxtui sim --port N`), so the figure is the client's
alone: the engine submits N long jobs, waits until every one is being followed, then measures
its process's CPU time over a window of wall time, while nothing but waiting happens. The
baseline, measured in the same run, is a bare asyncio loop with N tasks asleep for the same
window. BFL's own service caps a key at 24 jobs, so the BFL-protocol jobs go to the simulated
CometAPI (the same protocol and polling, no cap).

    python bench/poll_cpu.py [--jobs 500] [--window 10] [--only bfl|fal] [--budget R] [--profile]

Run it with `PYTHONPATH` on another checkout (e.g. the commit before the shared poller) to
measure that code with the same script: it uses only the engine's public API.
Targets (issue 14): BFL ≤ 15% of a core; fal (SSE) ≤ 5%.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import httpx
from sim_process import free_port, start_simulator, urls

from fluxtui.core import config as config_module
from fluxtui.core.engine import Engine
from fluxtui.core.models import GenerationRequest, JobEvent, JobState
from fluxtui.core.store import Store

FOLLOWED = {JobState.SUBMITTED, JobState.QUEUED, JobState.RUNNING}


async def bare_loop(jobs: int, window: float) -> float:
    """CPU share of an asyncio loop with `jobs` tasks asleep for `window` seconds."""
    tasks = [asyncio.create_task(asyncio.sleep(window * 2)) for _ in range(jobs)]
    await asyncio.sleep(0.5)
    cpu, wall = time.process_time(), time.monotonic()
    await asyncio.sleep(window)
    share = (time.process_time() - cpu) / (time.monotonic() - wall)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return share


async def waiting_cpu(
    port: int,
    provider: str,
    model: str,
    jobs: int,
    window: float,
    workdir: Path,
    profile: bool,
    budget: float | None = None,
) -> tuple[float, float]:
    """(CPU share while `jobs` jobs wait, status requests per second meanwhile)."""
    config = config_module.load(workdir / "no-config.toml", env={})
    config = config_module.demo_config(config, urls(port))
    entry = replace(config.providers[provider], concurrency=jobs, model_concurrency={model: jobs})
    if budget is not None:  # `max_requests_per_second` (not in code before the shared poller)
        from fluxtui.core.settings import Transport

        entry = replace(entry, transport=Transport(max_requests_per_second=budget))
    config = replace(config, providers={**config.providers, provider: entry})
    store = Store(workdir / f"{provider}-{time.monotonic_ns()}.sqlite3")
    followed: set[str] = set()
    everyone = asyncio.Event()
    requests = 0

    def on_event(event: JobEvent) -> None:
        if event.state in FOLLOWED:
            followed.add(event.job_id)
            if len(followed) == jobs:
                everyone.set()

    async def count(request: httpx.Request) -> None:
        nonlocal requests
        requests += 1

    async with Engine(config, store, library=workdir / "lib") as engine:
        engine.provider(provider).client.event_hooks["request"].append(count)
        engine.add_listener(on_event)
        created = [
            engine.create_job(
                GenerationRequest(
                    f"waiting {i} [[sim: queue=0, run=600]]",
                    provider,
                    model,
                    {"width": 256, "height": 256},
                )
            )
            for i in range(jobs)
        ]
        tasks = [asyncio.create_task(engine.run(job)) for job in created]
        await asyncio.wait_for(everyone.wait(), timeout=300)
        await asyncio.sleep(3)  # past the first polls' quick start
        # CPU time, as the figures count (a wall clock would show the waits in epoll)
        profiler = cProfile.Profile(time.process_time) if profile else None
        asked, cpu, wall = requests, time.process_time(), time.monotonic()
        if profiler:
            profiler.enable()
        await asyncio.sleep(window)
        if profiler:
            profiler.disable()
        elapsed = time.monotonic() - wall
        share = (time.process_time() - cpu) / elapsed
        rate = (requests - asked) / elapsed
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    store.close()
    if profiler:
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumtime").print_stats(40)
    return share, rate


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--window", type=float, default=10.0, help="seconds measured")
    parser.add_argument("--only", choices=("bfl", "fal"), help="one of the two rows")
    parser.add_argument("--profile", action="store_true", help="cProfile the window (stderr)")
    parser.add_argument("--budget", type=float, help="max_requests_per_second (default: 50)")
    args = parser.parse_args()
    port = free_port()
    simulator = start_simulator(port)  # in a process of its own: its CPU is not counted
    rows = []
    try:
        baseline = await bare_loop(args.jobs, args.window)
        cases = [
            ("bfl", "comet", "flux-dev", "BFL protocol, polled"),
            ("fal", "fal", "fal-ai/flux/dev", "fal, status stream (SSE)"),
        ]
        with tempfile.TemporaryDirectory() as tmp:
            for key, provider, model, name in cases:
                if args.only and key != args.only:
                    continue
                share, rate = await waiting_cpu(
                    port,
                    provider,
                    model,
                    args.jobs,
                    args.window,
                    Path(tmp),
                    args.profile,
                    args.budget,
                )
                rows.append((f"{args.jobs} jobs, {name}", share, rate))
                print(f"  ran {name}", file=sys.stderr)
    finally:
        simulator.terminate()
        simulator.wait(10)
    print(
        f"{'while waiting':<38} {'CPU':>7} {'req/s':>7} {'ms/req':>7} {'bare loop':>10} "
        f"{'ratio':>7}"
    )
    for name, share, rate in rows:
        per_request = share * 1000 / rate if rate else float("nan")
        print(
            f"{name:<38} {share:>6.1%} {rate:>7.0f} {per_request:>7.1f} {baseline:>9.1%} "
            f"{share / max(baseline, 1e-4):>6.0f}×"
        )


if __name__ == "__main__":
    asyncio.run(main())
