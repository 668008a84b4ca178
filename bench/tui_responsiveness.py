"""First paint and key-to-screen latency of the app with an empty store (the baseline), 1,000
stored jobs, 500 jobs running against a simulator in its own process, and in demo mode (the app
starts its own simulator) with 120 jobs running.

The app runs headless (Textual's test driver) at 120×40 with half-cell images. "First paint" is
from creating the app to its first rendered frame; "history shown" until the stored jobs are in
the queue (the newest 200; older ones page in as the cursor nears them). "Key to screen" is from
pressing a key (pilot.press) to the first frame rendered after it: typing a letter into the
prompt, and moving the queue's cursor (which also changes the preview). Every provider's cap on
jobs in flight is raised to the most allowed (256), so that the jobs running are all in flight at
the simulator: the first half on fal (status streams), the second half on Comet (polled); each
runs for an hour. "ctrl+j to queue" is from
pressing ctrl+j (posted to the app as a terminal's driver posts it: Pilot would wait for the
app to be idle after each key, seconds a job with hundreds running on a busy machine) to the job
in the queue, for the first and the last 10 jobs started. Medians and
95th percentiles over many presses, and each figure's ratio to the empty store's.

    python bench/tui_responsiveness.py [--presses 60] [--running 500] [--demo-running 120]
        [--stored 1000] [--profile]

It runs on any checkout: `PYTHONPATH=OTHER_CHECKOUT` measures another one (e.g. the baseline
of a branch).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

HOME = tempfile.mkdtemp(prefix="fluxtui-bench-")
for _name in ("CONFIG", "DATA", "CACHE", "STATE"):
    os.environ[f"XDG_{_name}_HOME"] = os.path.join(HOME, _name.lower())

from PIL import Image  # noqa: E402
from textual import events  # noqa: E402
from textual.widgets import TextArea  # noqa: E402

from fluxtui.core import config as config_module  # noqa: E402
from fluxtui.core.config import MAX_CONCURRENCY, Config  # noqa: E402
from fluxtui.core.models import GenerationRequest, Job, JobState, StateChange  # noqa: E402
from fluxtui.core.store import Store  # noqa: E402
from fluxtui.session import demo  # noqa: E402
from fluxtui.sim.config import PublicUrls  # noqa: E402
from fluxtui.tui.factory import create_app  # noqa: E402
from fluxtui.tui.widgets.prompt_form import default_model  # noqa: E402

SIZE = (120, 40)
PROVIDERS = ("fal", "bfl", "comet")
# The running jobs: the first half on fal (status streams), the second on Comet (polled). Not on
# BFL, which (like the simulator) runs at most 24 tasks of a key at once and answers 429 beyond.
RUNNING_ON = ("fal", "comet")
RUN_S = 3600.0  # how long each running job runs (and the client's timeout)
BANNER = re.compile(r"on (http://[0-9.:]+) \(cluster and delivery: (http://[0-9.:]+)\)")


class SimProcess:
    """`fluxtui sim` in a process of its own, on free ports (stopped by its pid)."""

    def __init__(self) -> None:
        argv = [sys.executable, "-m", "fluxtui", "sim", "--port", "0"]
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=HOME)
        assert self.process.stdout is not None
        found = BANNER.search(self.process.stdout.readline())
        if found is None:
            self.stop()
            raise RuntimeError("the simulator did not say where it listens")
        self.urls = PublicUrls(api=found[1], cluster=found[2])
        self.api_url, self.cluster_url = self.urls.api, self.urls.cluster

    def base_url(self, service: str) -> str:
        return self.urls.base_url(service)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def uncapped(config: Config) -> Config:
    """`config` with each provider's cap on jobs in flight (and its default model's, which the
    catalog caps at 24 on BFL) raised to the most allowed: the jobs started are all in flight,
    polled or streamed, rather than waiting in the app for a slot; and none times out."""
    providers = {
        name: replace(
            entry,
            concurrency=MAX_CONCURRENCY,
            model_concurrency={default_model(config, name): MAX_CONCURRENCY},
        )
        for name, entry in config.providers.items()
    }
    return replace(config, providers=providers, timeout_s=RUN_S)


@dataclass
class Figures:
    first_paint: float
    typing: list[float]
    moving: list[float]
    submits: list[float] = field(default_factory=list)


class Frames:
    """Timestamps of the frames the app renders (wraps App._display)."""

    def __init__(self, app) -> None:
        self.times: list[float] = []
        original = app._display

        def display(screen, renderable) -> None:
            if renderable is not None:
                self.times.append(time.perf_counter())
            original(screen, renderable)

        app._display = display

    async def first_after(self, start: float, limit_s: float = 5.0) -> float:
        deadline = time.perf_counter() + limit_s
        while time.perf_counter() < deadline:
            later = [t for t in self.times if t > start]
            if later:
                return later[0]
            await asyncio.sleep(0.001)
        raise RuntimeError("no frame after the key")


def fill_store(path: Path, count: int) -> None:
    images = []
    for index in range(10):
        image_path = Path(HOME) / "images" / f"sample-{index}.png"
        image_path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (1024, 768), (25 * index, 120, 200 - 15 * index)).save(image_path)
        images.append(str(image_path))
    now = time.time()
    jobs = []
    for index in range(count):
        created = now - 60 * (count - index)
        request = GenerationRequest(
            f"stored prompt number {index}, a fox in a field",
            PROVIDERS[index % 3],
            "flux-pro-1.1",
            {"seed": index},
        )
        job = Job.create(request)
        job.created_at = created
        failed = index % 7 == 0
        job.state = JobState.FAILED if failed else JobState.DONE
        job.history = [StateChange(JobState.PENDING, created), StateChange(job.state, created + 5)]
        if not failed:
            job.files, job.seed, job.width, job.height = [images[index % 10]], index, 1024, 768
        jobs.append(job)
    store = Store(path)
    for job in jobs:
        store.save(job)
    store.close()


async def scenario(
    name: str,
    config,
    store_path: Path,
    presses: int,
    running: int = 0,
    stored: int = 0,
    demo_mode: bool = False,
    profile: bool = False,
) -> Figures:
    if stored:
        fill_store(store_path, stored)
    created = time.perf_counter()
    app = create_app(config, store_path, "halfcell", library=Path(HOME) / "library", demo=demo_mode)
    frames = Frames(app)
    submits: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        first_paint = frames.times[0] - created if frames.times else float("nan")
        while not app.controller.ready or len(app.board) < min(stored, app.history_page):
            await asyncio.sleep(0.005)
        history = time.perf_counter() - created
        for index in range(running):
            provider = RUNNING_ON[index * len(RUNNING_ON) // running]
            if provider != app.main.form.provider:  # a new provider rebuilds the form's fields
                app.main.form.set_provider(provider)
            prompt = f"running job {index} [[sim: queue=0.5, run={RUN_S:g}]]"
            app.main.form.query_one("#prompt", TextArea).text = prompt
            shown = len(app.board)
            start = time.perf_counter()
            app.post_message(events.Key("ctrl+j", None))  # as a terminal's driver sends it
            while len(app.board) == shown:
                await asyncio.sleep(0.001)
            submits.append((time.perf_counter() - start) * 1000)
        while app.board.live_count() < running:
            await asyncio.sleep(0.01)
        await pilot.pause(0.5)

        prompt = app.main.form.query_one("#prompt", TextArea)
        prompt.text = ""
        prompt.focus()
        profiler = cProfile.Profile() if profile and running else None
        if profiler is not None:
            profiler.enable()
        typing = await latencies(pilot, frames, ["a"] * presses)
        app.main.queue.focus()
        moving = await latencies(pilot, frames, ["down", "up"] * (presses // 2))
        if profiler is not None:
            profiler.disable()
            stats = pstats.Stats(profiler, stream=sys.stderr)
            print(f"--- {name}: the key presses, by own time ---", file=sys.stderr)
            stats.sort_stats("tottime").print_stats(25)
            print(f"--- {name}: by cumulative time ---", file=sys.stderr)
            stats.sort_stats("cumulative").print_stats(40)
        rss = _rss_mb()
        app.cancel_all()
    print(
        f"{name:<30} first paint {first_paint * 1000:6.0f} ms   "
        f"history shown {history * 1000:6.0f} ms   RSS {rss:5.0f} MB",
        flush=True,
    )
    figures = Figures(first_paint * 1000, typing, moving, submits)
    return figures


def report(name: str, figures: Figures, baseline: Figures | None) -> None:
    rows = [("type a letter", figures.typing, baseline and baseline.typing)]
    rows.append(("move queue cursor", figures.moving, baseline and baseline.moving))
    for label, values, base in rows:
        ratio = f"   ×{percentile(values, 95) / percentile(base, 95):4.2f} p95" if base else ""
        print(
            f"{'':<30} {label:<18} median {statistics.median(values):6.1f} ms   "
            f"p95 {percentile(values, 95):6.1f} ms{ratio}"
        )
    if baseline is not None:
        print(f"{'':<30} first paint ×{figures.first_paint / baseline.first_paint:4.2f}")
    if len(figures.submits) >= 20:
        first, last = figures.submits[:10], figures.submits[-10:]
        print(
            f"{'':<30} ctrl+j to queue    first 10 median {statistics.median(first):6.1f} ms   "
            f"last 10 {statistics.median(last):6.1f} ms   growth "
            f"{statistics.median(last) - statistics.median(first):+6.1f} ms"
        )


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


async def latencies(pilot, frames: Frames, keys: list[str]) -> list[float]:
    values = []
    for key in keys:
        start = time.perf_counter()
        await pilot.press(key)
        values.append((await frames.first_after(start) - start) * 1000)
    return values


def percentile(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=60)
    parser.add_argument("--running", type=int, default=500)
    parser.add_argument("--demo-running", type=int, default=120, help="0: no demo mode run")
    parser.add_argument("--stored", type=int, default=1000, help="0: no stored-jobs run")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the key presses with jobs running (stderr)"
    )
    args = parser.parse_args()
    presses = args.presses
    sim = SimProcess()
    try:
        config = uncapped(demo(config_module.load(), sim))
        python = sys.version.split()[0]
        print(f"{SIZE[0]}×{SIZE[1]} headless, {os.cpu_count()} CPUs, Python {python}")
        data = Path(HOME)
        base = await scenario("empty store (baseline)", config, data / "empty.sqlite3", presses)
        report("empty store (baseline)", base, None)
        if args.stored:
            name = f"{args.stored:,} stored jobs"
            stored = await scenario(
                name, config, data / "stored.sqlite3", presses, stored=args.stored
            )
            report(name, stored, base)
        name = f"{args.running} jobs running (sim apart)"
        running = await scenario(
            name,
            config,
            data / "running.sqlite3",
            presses,
            running=args.running,
            profile=args.profile,
        )
        report(name, running, base)
    finally:
        sim.stop()
    if not args.demo_running:
        return
    name = f"demo mode, {args.demo_running} running"
    demo_figures = await scenario(
        name,
        uncapped(config_module.load()),
        data / "demo.sqlite3",
        presses,
        running=args.demo_running,
        demo_mode=True,
    )
    report(name, demo_figures, base)


if __name__ == "__main__":
    asyncio.run(main())
