"""First paint and key-to-screen latency of the app with an empty store, 1,000 stored jobs, and
50 jobs running against the simulator.

The app runs headless (Textual's test driver) at 120×40 with half-cell images. "First paint" is
from creating the app to its first rendered frame; "history shown" until the stored jobs are in
the queue (the newest 200; older ones page in as the cursor nears them). "Key to screen" is from
pressing a key (pilot.press) to the first frame rendered after it: typing a letter into the
prompt, and moving the queue's cursor (which also changes the preview). Medians and 95th
percentiles over many presses.

    python bench/tui_responsiveness.py [--presses 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HOME = tempfile.mkdtemp(prefix="fluxtui-bench-")
for _name in ("CONFIG", "DATA", "CACHE", "STATE"):
    os.environ[f"XDG_{_name}_HOME"] = os.path.join(HOME, _name.lower())

from PIL import Image  # noqa: E402
from textual.widgets import TextArea  # noqa: E402

from fluxtui.core import config as config_module  # noqa: E402
from fluxtui.core.models import GenerationRequest, Job, JobState, StateChange  # noqa: E402
from fluxtui.core.store import Store  # noqa: E402
from fluxtui.session import demo  # noqa: E402
from fluxtui.sim import SimConfig, SimServer  # noqa: E402
from fluxtui.tui.factory import create_app  # noqa: E402

SIZE = (120, 40)
PROVIDERS = ("fal", "bfl", "comet")


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
    name: str, config, store_path: Path, presses: int, running: int = 0, stored: int = 0
) -> None:
    if stored:
        fill_store(store_path, stored)
    created = time.perf_counter()
    app = create_app(config, store_path, "halfcell", library=Path(HOME) / "library")
    frames = Frames(app)
    async with app.run_test(size=SIZE) as pilot:
        first_paint = frames.times[0] - created if frames.times else float("nan")
        while not app.controller.ready or len(app.board) < min(stored, app.history_page):
            await asyncio.sleep(0.005)
        history = time.perf_counter() - created
        for index in range(running):
            provider = PROVIDERS[index % 3]
            app.main.form.set_provider(provider)
            prompt = f"running job {index} [[sim: queue=0.5, run=60]]"
            app.main.form.query_one("#prompt", TextArea).text = prompt
            await pilot.press("ctrl+j")
        while app.board.live_count() < running:
            await asyncio.sleep(0.01)
        await pilot.pause(0.5)

        prompt = app.main.form.query_one("#prompt", TextArea)
        prompt.text = ""
        prompt.focus()
        typing = await latencies(pilot, frames, ["a"] * presses)
        app.main.queue.focus()
        moving = await latencies(pilot, frames, ["down", "up"] * (presses // 2))
        app.cancel_all()
    print(
        f"{name:<26} first paint {first_paint * 1000:6.0f} ms   "
        f"history shown {history * 1000:6.0f} ms"
    )
    for label, values in (("type a letter", typing), ("move queue cursor", moving)):
        print(
            f"{'':<26} {label:<18} median {statistics.median(values):6.1f} ms   "
            f"p95 {percentile(values, 95):6.1f} ms"
        )


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
    presses = parser.parse_args().presses
    sim = SimServer(SimConfig(queue_s=0.5, run_s=1.0))
    sim.start()
    try:
        config = demo(config_module.load(), sim)
        python = sys.version.split()[0]
        print(f"{SIZE[0]}×{SIZE[1]} headless, {os.cpu_count()} CPUs, Python {python}")
        data = Path(HOME)
        await scenario("empty store", config, data / "empty.sqlite3", presses)
        await scenario("1,000 stored jobs", config, data / "stored.sqlite3", presses, stored=1000)
        await scenario("50 jobs running", config, data / "running.sqlite3", presses, running=50)
    finally:
        sim.stop()


if __name__ == "__main__":
    asyncio.run(main())
