"""How fast the library screen opens and moves with 10,000 stored jobs, against baselines in the
same run: the library with an empty store, and with 100 jobs (one page).

The app runs headless (Textual's test driver) at 120×40 with half-cell images, on a store seeded
with realistic jobs (`library_query.make_job`: five providers, a dozen models, failures, a year of
dates) whose done jobs point at 200 real 1024×768 JPEGs. Each figure is a median over `--runs`
runs, each a fresh process (as a user starts the app; apps run one after another in one process
get slower), the stores taking turns (for keys, of each run's median over the presses):

- open → screen: from pressing ctrl+g to the first frame of the library screen;
- open → rows: to the first frame after the first page of jobs came from the store;
- thumbnails in view: until every visible entry's thumbnail is drawn (made off the event loop;
  "cold cache" is the first run, which makes them, "cached" the later ones);
- key → screen: from pressing down (cursor to the next entry) to the next frame (median of many);
- page down: from pressing pagedown to the next frame;
- jump to end: from pressing end to the frame after the last page came from the store.

    python bench/library_open.py [--jobs 10000] [--runs 5] [--presses 40]

Target (issue 5): first paint with 10,000 jobs well under a second; keys and scrolling as quick as
with one page.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

#: one folder for the whole run (the runs in child processes share it: the thumbnail cache)
HOME = os.environ.setdefault("FLUXTUI_BENCH_HOME", tempfile.mkdtemp(prefix="fluxtui-bench-"))
for _name in ("CONFIG", "DATA", "CACHE", "STATE"):
    os.environ[f"XDG_{_name}_HOME"] = os.path.join(HOME, _name.lower())

from library_query import make_job  # noqa: E402  (bench/ is on sys.path when run as a script)
from PIL import Image  # noqa: E402

from fluxtui.core import config as config_module  # noqa: E402
from fluxtui.core import thumbnails  # noqa: E402
from fluxtui.core.models import JobState  # noqa: E402
from fluxtui.core.store import Store  # noqa: E402
from fluxtui.session import demo  # noqa: E402
from fluxtui.sim import SimConfig, SimServer  # noqa: E402
from fluxtui.tui.factory import create_app  # noqa: E402
from fluxtui.tui.screens.library import LibraryScreen  # noqa: E402
from fluxtui.tui.widgets.library_list import ROW_HEIGHT, LibraryList  # noqa: E402

T = TypeVar("T")
SIZE = (120, 40)
IMAGES = 200
LIMIT_S = 10.0


class Arrivals:
    """What reached the screen and when: frames (App._display, with their screen), pages of jobs
    (LibraryList._fetched) and thumbnails (LibraryList._thumbnail_made). Waiting does not poll
    (polling would take the GIL from the worker threads it waits for): each arrival wakes it."""

    def __init__(self) -> None:
        self.frames: list[tuple[float, type]] = []
        self.pages: list[float] = []
        self.thumbnails: dict[str, float] = {}
        self._arrived = asyncio.Event()

    def arrived(self) -> None:
        self._arrived.set()

    def watch(self, app) -> None:
        display = app._display

        def record(screen, renderable) -> None:
            if renderable is not None:
                self.frames.append((time.perf_counter(), type(screen)))
                self.arrived()
            display(screen, renderable)

        app._display = record

    def frame_after(self, start: float, screen: type | None = None) -> float | None:
        return next(
            (t for t, shown in self.frames if t > start and (screen is None or shown is screen)),
            None,
        )

    async def until(self, value: Callable[[], T | None]) -> T:
        """Wait (at most LIMIT_S) until `value()` is truthy; that value."""
        deadline = time.perf_counter() + LIMIT_S
        while not (result := value()):
            self._arrived.clear()
            await asyncio.wait_for(self._arrived.wait(), deadline - time.perf_counter())
        return result


ARRIVALS = Arrivals()


def _record_arrivals() -> None:
    fetched, made = LibraryList._fetched, LibraryList._thumbnail_made

    def record_page(self, pages, number, page) -> None:
        fetched(self, pages, number, page)
        ARRIVALS.pages.append(time.perf_counter())
        ARRIVALS.arrived()

    def record_thumbnail(self, path, lines) -> None:
        made(self, path, lines)
        ARRIVALS.thumbnails[path] = time.perf_counter()
        ARRIVALS.arrived()

    LibraryList._fetched = record_page  # type: ignore[method-assign]
    LibraryList._thumbnail_made = record_thumbnail  # type: ignore[method-assign]


def seed(path: Path, count: int) -> None:
    """`count` jobs, newest first; done ones point at one of IMAGES real JPEGs."""
    rng = random.Random(1)
    folder = Path(HOME) / "images"
    folder.mkdir(parents=True, exist_ok=True)
    images = []
    for index in range(IMAGES if count else 0):
        image = folder / f"sample-{index}.jpg"
        if not image.exists():
            Image.new("RGB", (1024, 768), (index % 255, 120, 255 - index % 255)).save(image)
        images.append(str(image))
    now = time.time()
    jobs = [make_job(rng, now) for _ in range(count)]
    for index, job in enumerate(jobs):
        if job.state is JobState.DONE:
            job.files = [images[index % IMAGES]]
    store = Store(path)
    store._db.execute("BEGIN")  # one transaction: 100,000 jobs one commit each take minutes
    for job in jobs:
        store.save(job)
    store._db.execute("COMMIT")
    store.close()


async def one_run(config, store_path: Path, presses: int, cold: bool) -> dict[str, list[float]]:
    app = create_app(config, store_path, "halfcell", library=Path(HOME) / "library")
    arrivals = ARRIVALS
    arrivals.watch(app)
    ms: dict[str, list[float]] = {}

    def note(name: str, start: float, end: float) -> None:
        ms.setdefault(name, []).append((end - start) * 1000)

    async with app.run_test(size=SIZE) as pilot:
        while not app.controller.ready:
            await pilot.pause(0.05)
        await pilot.pause(1.0)  # the main screen settles: history, preview image, spend
        start = time.perf_counter()
        await pilot.press("ctrl+g")
        note(
            "open → screen",
            start,
            await arrivals.until(lambda: arrivals.frame_after(start, LibraryScreen)),
        )
        listing = app.screen.query_one(LibraryList)
        loaded = await arrivals.until(lambda: next((t for t in arrivals.pages if t > start), 0))
        note("open → rows", start, await arrivals.until(lambda: arrivals.frame_after(loaded)))
        if listing.pages.total:
            rows = listing.size.height // ROW_HEIGHT
            wanted = [
                job.files[0]
                for job in listing.pages.jobs(0, rows - 1)
                if job.state is JobState.DONE and job.files
            ]
            await arrivals.until(lambda: all(path in listing.thumbs for path in wanted))
            made = max(arrivals.thumbnails[path] for path in wanted)
            label = "cold cache" if cold else "cached"
            note(
                f"thumbnails in view ({label})",
                start,
                await arrivals.until(lambda: arrivals.frame_after(made)),
            )
            for key, name, times in (
                ("down", "key → screen (down)", presses),
                ("pagedown", "page down", 5),
            ):
                for _ in range(times):
                    pressed = time.perf_counter()
                    await pilot.press(key)
                    note(
                        name,
                        pressed,
                        await arrivals.until(lambda at=pressed: arrivals.frame_after(at)),
                    )
            pressed = time.perf_counter()
            await pilot.press("end")
            last = listing.pages.total - 1
            await arrivals.until(lambda: listing.pages.job(last))
            loaded = max((t for t in arrivals.pages if t > pressed), default=pressed)
            note(
                "jump to end (loads a page)",
                pressed,
                await arrivals.until(lambda: arrivals.frame_after(loaded)),
            )
    return ms


def measure(stores: list[Path], runs: int, presses: int) -> list[dict[str, list[float]]]:
    """The figures of each store, each run in a child process: runs take turns across the
    stores, so that whatever else the machine does falls on all of them alike; each store's first
    run starts with no thumbnails cached."""
    figures: list[dict[str, list[float]]] = [{} for _ in stores]
    for run in range(runs):
        for path, store_figures in zip(stores, figures, strict=True):
            if run == 0:
                shutil.rmtree(thumbnails.cache_folder(), ignore_errors=True)
            command = [sys.executable, __file__, "--one", str(path), "--presses", str(presses)]
            if run == 0:
                command.append("--cold")
            child = subprocess.run(command, capture_output=True, text=True)
            if child.returncode:
                raise RuntimeError(f"a run failed: {' '.join(command)}\n{child.stderr}")
            for key, value in json.loads(child.stdout).items():
                store_figures.setdefault(key, []).append(value)
    return figures


async def one(path: Path, presses: int, cold: bool) -> dict[str, float]:
    """One run (in this process): the medians of its figures."""
    _record_arrivals()
    sim = SimServer(SimConfig())
    sim.start()
    try:
        figures = await one_run(demo(config_module.load(), sim), path, presses, cold)
    finally:
        sim.stop()
    return {key: statistics.median(values) for key, values in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--presses", type=int, default=40)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # a child: one run
    parser.add_argument("--cold", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(one(args.one, args.presses, args.cold))))
        return
    columns = [("empty store", 0), ("100 jobs", 100), (f"{args.jobs:,} jobs", args.jobs)]
    stores = []
    for name, count in columns:
        started = time.perf_counter()
        stores.append(Path(HOME) / f"store-{count}.sqlite3")
        seed(stores[-1], count)
        print(f"{name}: seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    print(
        f"{SIZE[0]}×{SIZE[1]} headless, {os.cpu_count()} CPUs, Python "
        f"{sys.version.split()[0]}; medians of {args.runs} runs (ms)"
    )
    results = measure(stores, args.runs, args.presses)
    print(f"{'':<32}" + "".join(f"{name:>14}" for name, _ in columns))
    for key in results[-1]:
        cells = []
        for figures in results:
            values = figures.get(key)
            cells.append(f"{statistics.median(values):14.1f}" if values else f"{'–':>14}")
        print(f"{key:<32}" + "".join(cells))
    shutil.rmtree(HOME, ignore_errors=True)


if __name__ == "__main__":
    main()
