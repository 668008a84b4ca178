"""Client CPU per submit: the engine's whole submit phase against bare HTTP POST loops.

The simulator runs in a process of its own (`fluxtui sim`; Comet, which takes any number of jobs
and polls, its jobs queued for minutes, so that none ends during the run). In this process, on a
fresh store:

- the baselines: N bare POSTs of the same JSON body to the simulator's Comet submit endpoint,
  `--concurrency` at a time, each answer read and parsed: the one request the engine's submit
  phase sends (its first poll is the shared poller's, later), for the HTTP alone; through bare
  aiohttp (the pool under fluxtui's HTTP/1.1), and through httpx's own pool (what the engine
  sent with before `http_transport`);
- the engine: N `Engine.create_job` + `Engine.run` (validation, the store row and its lease,
  the "sending" mark, the submit, its answer stored, the events), `--concurrency` at a time,
  each stopped once it is submitted.

Each figure is the process's CPU time (user + system) divided by N; the median of `--runs` runs,
which take turns. `--profile` prints cProfile's top functions (by CPU time) for one engine run.

    python bench/submit_cost.py [--jobs 500] [--runs 3] [--concurrency 8] [--profile]

Target (issue 14): the engine's submit phase ≤ 2 ms of client CPU per job (~11 ms before).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import dataclasses
import io
import os
import pstats
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

WORK = Path(tempfile.mkdtemp(prefix="fluxtui-submit-cost-"))
for _name in ("CONFIG", "DATA", "CACHE", "STATE"):
    os.environ[f"XDG_{_name}_HOME"] = str(WORK / _name.lower())

from fluxtui.core import config as config_module  # noqa: E402
from fluxtui.core.engine import Engine  # noqa: E402
from fluxtui.core.models import GenerationRequest, JobEvent  # noqa: E402
from fluxtui.core.store import Store  # noqa: E402
from fluxtui.sim.config import PublicUrls  # noqa: E402

PROVIDER, MODEL = "comet", "flux-dev"
SERVICES = ("comet", "bfl", "apiyi", "openai", "fal")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_simulator() -> tuple[subprocess.Popen[bytes], PublicUrls]:
    port, cluster = free_port(), free_port()
    command = [sys.executable, "-m", "fluxtui", "sim", "--port", str(port)]
    command += ["--cluster-port", str(cluster), "--queue", "600", "--run", "1"]
    sim = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    urls = PublicUrls(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{cluster}")
    for _ in range(400):
        try:
            httpx.get(f"{urls.api}/_sim/jobs", timeout=1)
            return sim, urls
        except httpx.TransportError:
            time.sleep(0.05)
    sim.kill()
    raise RuntimeError("the simulator did not start")


def cpu_per_job(run: Callable[[], Awaitable[None]], jobs: int) -> float:
    """Milliseconds of this process's CPU per job for `run()` (in a fresh event loop)."""
    started = time.process_time()
    asyncio.run(run())
    return (time.process_time() - started) * 1000 / jobs


def bare_posts(
    urls: PublicUrls, jobs: int, concurrency: int, *, aiohttp_pool: bool
) -> Callable[[], Awaitable[None]]:
    body = {"prompt": "a red fox", "width": 1024, "height": 768}
    url = f"{urls.base_url(PROVIDER)}/flux/v1/{MODEL}"
    auth = {"authorization": "Bearer sim-key"}

    async def with_httpx() -> None:
        gate = asyncio.Semaphore(concurrency)
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=concurrency)) as client:

            async def one() -> None:
                async with gate:
                    answer = await client.post(url, json=body, headers=auth)
                    answer.raise_for_status()
                    assert answer.json()["polling_url"]

            await asyncio.gather(*(one() for _ in range(jobs)))

    async def with_aiohttp() -> None:
        import aiohttp

        gate = asyncio.Semaphore(concurrency)
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one() -> None:
                async with gate, session.post(url, json=body, headers=auth) as answer:
                    answer.raise_for_status()
                    assert (await answer.json())["polling_url"]

            await asyncio.gather(*(one() for _ in range(jobs)))

    return with_aiohttp if aiohttp_pool else with_httpx


def engine_submits(
    urls: PublicUrls, store_path: Path, jobs: int, concurrency: int
) -> Callable[[], Awaitable[None]]:
    loaded = config_module.load()
    config = config_module.demo_config(loaded, {s: urls.base_url(s) for s in SERVICES})
    entry = dataclasses.replace(config.providers[PROVIDER], concurrency=concurrency)
    config = dataclasses.replace(config, providers={**config.providers, PROVIDER: entry})

    async def run() -> None:
        store = Store(store_path)
        async with Engine(config, store, library=WORK / "library") as engine:
            tasks: dict[str, asyncio.Task[object]] = {}

            def stop_when_submitted(event: JobEvent) -> None:
                if event.job.submitted and event.job_id in tasks:
                    tasks.pop(event.job_id).cancel()

            engine.add_listener(stop_when_submitted)
            gate = asyncio.Semaphore(concurrency)

            async def one(index: int) -> None:
                async with gate:
                    params = {"width": 1024, "height": 768}
                    request = GenerationRequest(f"a red fox {index}", PROVIDER, MODEL, params)
                    job = engine.create_job(request)
                    task = tasks[job.id] = asyncio.ensure_future(engine.run(job))
                    await asyncio.gather(task, return_exceptions=True)

            await asyncio.gather(*(one(i) for i in range(jobs)))
        store.close()

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="tottime", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sim, urls = start_simulator()
    try:
        if args.profile:
            profiler = cProfile.Profile(time.process_time)  # CPU, as the figures count
            run = engine_submits(urls, WORK / "profile.sqlite3", args.jobs, args.concurrency)
            profiler.runcall(asyncio.run, run())
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(45)
            print(out.getvalue())
            return 0
        bare: list[float] = []
        pool: list[float] = []
        engine: list[float] = []
        for n in range(args.runs):  # they take turns, so a busy moment falls on each
            for aiohttp_pool, figures in ((True, bare), (False, pool)):
                run = bare_posts(urls, args.jobs, args.concurrency, aiohttp_pool=aiohttp_pool)
                figures.append(cpu_per_job(run, args.jobs))
            store_path = WORK / f"run-{n}.sqlite3"
            run = engine_submits(urls, store_path, args.jobs, args.concurrency)
            engine.append(cpu_per_job(run, args.jobs))
        base, httpx_pool = statistics.median(bare), statistics.median(pool)
        figure = statistics.median(engine)
        print(
            f"{args.jobs} submits, {args.concurrency} at a time, {os.cpu_count()} CPUs, Python "
            f"{sys.version.split()[0]}; medians of {args.runs} runs"
        )
        print(f"{'baseline: bare aiohttp POST':<38} {base:8.2f} ms CPU per job")
        print(
            f"{'bare httpx (its own pool) POST':<38} {httpx_pool:8.2f} ms CPU per job  "
            f"×{httpx_pool / base:.1f}"
        )
        print(f"{'engine submit phase':<38} {figure:8.2f} ms CPU per job  ×{figure / base:.1f}")
        verdict = "OK" if figure <= 2.0 else "OVER"
        print(f"submit phase {figure:.2f} ms per job (target ≤ 2 ms): {verdict}")
    finally:
        sim.kill()
        sim.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
