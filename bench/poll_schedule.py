"""How fast each poll schedule notices a finished job, and what it costs in requests.

Runs simulated jobs of known length through the real engine over real HTTP against the
simulator in a process of its own (BFL's protocol: submit + poll, with the provider's `progress`
stripped from every answer, as BFL does not promise it), once per schedule: the fixed 0.1 s /
0.5 s / 1.0 s loops of the official clients, today's `PollSchedule`, and the learnt schedule
after the store has seen `--history` jobs of each size; then fal's status stream (SSE) for
comparison. Jobs come in two sizes, each with a length of its own (1.8 s and 3.6 s) within
±10%, as real FLUX jobs of one model and size are. For each schedule it prints the median and
p95 delay between "ready on the server" and "noticed by the client", the HTTP requests per job
(submit + status; downloads excluded), and the ratio to the 0.1 s loop's requests.

    python bench/poll_schedule.py [--jobs 10] [--history 20] [--seed 1]

Targets (issue 14): learnt, ≤ 100 ms median, p95 ≤ 300 ms, at ≤ 30% of the 0.1 s loop's
requests; today's schedule no worse than before.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
from sim_process import free_port, start_simulator, urls

from fluxtui.core import config as config_module
from fluxtui.core.engine import Engine
from fluxtui.core.models import GenerationRequest, JobEvent, JobState
from fluxtui.core.run_parts import Schedule
from fluxtui.core.schedule import FixedSchedule, PollSchedule
from fluxtui.core.settings import Transport
from fluxtui.core.store import Store

#: (width and height, seconds a job of that size takes)
SIZES = ((256, 1.8), (512, 3.6))


@dataclass(frozen=True)
class Round:
    name: str
    provider: str
    model: str
    schedule: Callable[[], Schedule]
    stream: bool = False
    learn: bool = False


class WithoutProgress(httpx.AsyncBaseTransport):
    """The client's transport, with `progress` taken out of every JSON answer."""

    def __init__(self, inner: httpx.AsyncBaseTransport):
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if "json" not in response.headers.get("content-type", ""):
            return response
        body: Any = json.loads(await response.aread())
        if isinstance(body, dict):
            body.pop("progress", None)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return httpx.Response(response.status_code, headers=headers, json=body)

    async def aclose(self) -> None:
        await self.inner.aclose()


class RoundFailed(Exception):
    """A job of the round did not finish (on a loaded machine a submit's connection may drop)."""


def lengths(n: int, seed: int) -> list[tuple[int, float]]:
    """`n` jobs of each size: (side, seconds), each within ±10% of its size's length."""
    rng = random.Random(seed)
    jobs = [
        (side, round(base * rng.uniform(0.9, 1.1), 2)) for side, base in SIZES for _ in range(n)
    ]
    rng.shuffle(jobs)
    return jobs


def request(provider: str, model: str, side: int, seconds: float, tag: str) -> GenerationRequest:
    prompt = f"bench {tag} [[sim: queue=0, run={seconds}]]"
    return GenerationRequest(prompt, provider, model, {"width": side, "height": side})


async def run_round(
    port: int,
    spec: Round,
    measured: list[tuple[int, float]],
    history: int,
    workdir: Path,
    budget: float = 1000,
) -> tuple[list[float], float]:
    """(delays in seconds, requests per job) for one schedule; by default with no request
    budget in the way (the schedules themselves are measured), or under `budget`."""
    config = config_module.load(workdir / "no-config.toml", env={})
    config = config_module.demo_config(config, urls(port))
    fast = Transport(max_requests_per_second=budget)
    entry = replace(config.providers[spec.provider], concurrency=64, transport=fast)
    config = replace(config, providers={**config.providers, spec.provider: entry})
    store = Store(workdir / f"{time.monotonic_ns()}.sqlite3")
    requests = 0

    async def count(_: httpx.Request) -> None:
        nonlocal requests
        requests += 1

    noticed: dict[str, float] = {}

    def on_event(event: JobEvent) -> None:
        if event.state is JobState.DOWNLOADING and event.job_id not in noticed:
            noticed[event.job_id] = time.time()

    options: dict[str, Any] = {"schedule": spec.schedule, "stream_status": spec.stream}
    if not spec.learn:
        options["learn"] = False
    async with Engine(config, store, library=workdir / "lib", **options) as engine:
        client = engine.provider(spec.provider).client
        client._transport = WithoutProgress(client._transport)  # a bench's wiring
        client.event_hooks["request"].append(count)
        engine.add_listener(on_event)
        if spec.learn:  # teach the store: `history` finished jobs of each size
            teach = [
                request(spec.provider, spec.model, side, seconds, f"teach {i}")
                for i, (side, seconds) in enumerate(lengths(history, 99)[: history * len(SIZES)])
            ]
            await asyncio.gather(*(engine.generate(r) for r in teach))
            requests = 0
        jobs = [
            engine.create_job(request(spec.provider, spec.model, side, seconds, str(i)))
            for i, (side, seconds) in enumerate(measured)
        ]
        await asyncio.gather(*(engine.run(job) for job in jobs))
    store.close()
    failed = [j for j in jobs if j.state is not JobState.DONE]
    if failed:
        raise RoundFailed(f"{len(failed)} bench jobs failed: {failed[0].error}")
    ready = server_ready_times(port)
    delays = [noticed[j.id] - ready[j.handle.request_id] for j in jobs if j.handle]
    return delays, requests / len(jobs)


async def run_again(
    port: int,
    spec: Round,
    measured: list[tuple[int, float]],
    history: int,
    workdir: Path,
    budget: float = 1000,
) -> tuple[list[float], float]:
    """`run_round`, run again (at most twice more) when a job failed; the failure is printed."""
    for _ in range(2):
        try:
            return await run_round(port, spec, measured, history, workdir, budget)
        except RoundFailed as exc:
            print(f"  {spec.name}: {exc}; running the round again", file=sys.stderr)
    try:
        return await run_round(port, spec, measured, history, workdir, budget)
    except RoundFailed as exc:
        raise SystemExit(f"{spec.name}: {exc}") from None


def server_ready_times(port: int) -> dict[str, float]:
    """When the simulator made each job ready (its own clock, the same machine's)."""
    jobs = httpx.get(f"http://127.0.0.1:{port}/_sim/jobs").json()["jobs"]
    return {job["id"]: job["ready_at"] for job in jobs}


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10, help="measured jobs of each size")
    parser.add_argument("--history", type=int, default=20, help="jobs of each size learnt first")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    measured = lengths(args.jobs, args.seed)
    seconds = [s for _, s in measured]
    print(
        f"{len(measured)} jobs in {len(SIZES)} sizes, {min(seconds):.1f}–{max(seconds):.1f} s; "
        f"learnt from {args.history} jobs of each size; no progress in BFL's answers\n"
    )
    bfl = ("bfl", "flux-dev")
    rounds = [
        Round("fixed 0.1 s (fal-client)", *bfl, lambda: FixedSchedule(0.1)),
        Round("fixed 0.5 s (BFL SDK)", *bfl, lambda: FixedSchedule(0.5)),
        Round("fixed 1.0 s", *bfl, lambda: FixedSchedule(1.0)),
        Round("fluxtui, no history", *bfl, PollSchedule),
        Round(f"fluxtui, learnt ({args.history}/size)", *bfl, PollSchedule, learn=True),
        Round("fluxtui fal SSE stream", "fal", "fal-ai/flux/dev", PollSchedule, stream=True),
    ]
    port = free_port()
    simulator = start_simulator(port, "--queue", "0")
    results = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for spec in rounds:
                delays, per_job = await run_again(port, spec, measured, args.history, Path(tmp))
                results.append((spec.name, statistics.median(delays), p95(delays), per_job))
                print(f"  ran {spec.name}", file=sys.stderr)
    finally:
        simulator.terminate()
        simulator.wait(10)
    baseline = results[0][3]
    print(f"{'schedule':<28} {'median':>8} {'p95':>8} {'req/job':>8} {'vs 0.1 s':>9}")
    for name, median, high, per_job in results:
        print(
            f"{name:<28} {median * 1000:>6.0f}ms {high * 1000:>6.0f}ms {per_job:>8.1f} "
            f"{per_job / baseline:>8.0%}"
        )


if __name__ == "__main__":
    asyncio.run(main())
