"""How fast the library's queries are on a store of 100,000 jobs.

Seeds a fresh SQLite store (in a temp dir) with N realistic jobs — five providers, a dozen models,
mostly done with some failures, histories, files, handles, prompts of 8–24 words, spread over a
year, a few hundred comparisons — then times, as medians over repeats:

- the baseline: a bare `SELECT 1` on the same connection (what any query costs at least);
- opening the store (schema check) and the first page (newest 100) — what the library does first;
- a search (two words in the prompt; a rare word) through the prompt index (FTS5), and the same
  search as the plain `LIKE` scan it replaces (a second baseline), with their counts;
- a filtered page (provider + state + last 30 days), the fastest-first page (sort by time to
  image), and `count` with and without filters;
- a page deep in the library (the last one) by OFFSET and by keyset (after the job before it);
- a page of comparisons.

It also prints SQLite's plan for each query, to show which index it uses.

    python bench/library_query.py [--jobs 100000] [--repeats 25] [--seed 1] [--copy-of STORE]

Targets (issue 14): with 100,000 jobs the library opens (store + first page + count) in
≤ 300 ms and a prompt search (its page and its count) takes ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fluxtui.core.comparison import Comparison, ComparisonEntry, Target
from fluxtui.core.job_rows import SORTS, JobQuery, where
from fluxtui.core.library import page
from fluxtui.core.models import ErrorKind, GenerationRequest, Job, JobError, JobState, StateChange
from fluxtui.core.results import Handle
from fluxtui.core.store import Store

WORDS = [
    "a",
    "red",
    "fox",
    "in",
    "the",
    "snow",
    "lighthouse",
    "at",
    "dusk",
    "portrait",
    "of",
    "an",
    "old",
    "fisherman",
    "neon",
    "city",
    "street",
    "rain",
    "watercolor",
    "mountain",
    "lake",
    "sunrise",
    "cat",
    "wearing",
    "a",
    "tiny",
    "hat",
    "astronaut",
    "riding",
    "a",
    "horse",
    "on",
    "mars",
    "cyberpunk",
    "samurai",
    "forest",
    "spirit",
    "glowing",
    "mushrooms",
    "isometric",
    "pixel",
    "art",
    "castle",
    "ocean",
    "waves",
    "storm",
    "cinematic",
    "lighting",
    "macro",
    "photo",
    "of",
    "a",
    "bee",
    "on",
    "a",
    "flower",
    "bowl",
    "of",
    "ramen",
    "steam",
    "studio",
    "ghibli",
    "style",
    "vintage",
    "car",
    "desert",
    "highway",
    "robot",
    "reading",
    "a",
    "book",
    "library",
    "candles",
    "dragon",
    "over",
    "village",
    "minimalist",
    "poster",
    "typography",
    "coffee",
    "shop",
    "interior",
    "golden",
    "hour",
    "bokeh",
    "hyperrealistic",
    "owl",
]
TARGETS = [
    ("comet", "flux-pro-1.1"),
    ("comet", "flux-2-pro"),
    ("bfl", "flux-pro-1.1"),
    ("bfl", "flux-pro-1.1-ultra"),
    ("bfl", "flux-2-max"),
    ("bfl", "flux-dev"),
    ("apiyi", "flux-2-pro"),
    ("apiyi", "flux-2-flex"),
    ("fal", "fal-ai/flux/dev"),
    ("fal", "fal-ai/flux-pro/v1.1"),
    ("fal", "fal-ai/flux/schnell"),
    ("openai", "flux-2-pro"),
]
DAY = 86400.0


def make_job(
    rng: random.Random,
    now: float,
    group_id: str | None = None,
    target: tuple[str, str] | None = None,
    prompt: str | None = None,
) -> Job:
    provider, model = target or rng.choice(TARGETS)
    prompt = prompt or " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 24)))
    if rng.random() < 0.005:  # a rare word, in ~50 of 10,000 prompts: the search scans them all
        prompt += " axolotl"
    width, height = rng.choice([(1024, 768), (1024, 1024), (768, 1344), (512, 512)])
    request = GenerationRequest(
        prompt, provider, model, {"width": width, "height": height, "seed": rng.randint(0, 2**31)}
    )
    created = now - rng.random() * 365 * DAY
    job = Job.create(request, group_id=group_id)
    job.id = f"{int(created * 1000):011x}{rng.getrandbits(24):06x}"
    job.created_at = created
    queued, running, download = rng.uniform(0.1, 8), rng.uniform(2, 20), rng.uniform(0.05, 1)
    state = rng.choices(
        [JobState.DONE, JobState.FAILED, JobState.MODERATED, JobState.TIMED_OUT], [90, 6, 3, 1]
    )[0]
    job.history = [
        StateChange(JobState.PENDING, created),
        StateChange(JobState.PENDING, created + 0.01, "sending"),
        StateChange(JobState.SUBMITTED, created + 0.3),
        StateChange(JobState.QUEUED, created + 0.4),
        StateChange(JobState.RUNNING, created + queued),
    ]
    job.handle = Handle(
        provider,
        f"req-{rng.getrandbits(64):016x}",
        {"polling_url": f"https://api.example/v1/get_result?id={job.id}"},
    )
    end = created + queued + running
    if state is JobState.DONE:
        job.history.append(StateChange(JobState.DOWNLOADING, end))
        end += download
        job.files = [f"/home/u/.local/share/fluxtui/images/2025-01-01/{job.id}.jpg"]
        job.width, job.height, job.seed = width, height, request.params["seed"]
    else:
        job.error = JobError(ErrorKind.FAILED, f"{provider} says Error", request_id="rid-1")
    job.history.append(StateChange(state, end, job.error.message if job.error else None))
    job.state = state
    return job


def seed_store(store: Store, n: int, rng: random.Random) -> None:
    now = time.time()
    jobs: list[Job] = []
    comparisons: list[Comparison] = []
    while len(jobs) < n:
        if rng.random() < 0.05 and n - len(jobs) >= 4:  # a comparison of 2–4 targets
            picked = rng.sample(TARGETS, rng.randint(2, 4))
            prompt = " ".join(rng.choice(WORDS) for _ in range(12))
            comparison_id = f"cmp-{rng.getrandbits(64):016x}"
            group = [make_job(rng, now, comparison_id, t, prompt) for t in picked]
            jobs += group
            comparisons.append(
                Comparison(
                    comparison_id,
                    group[0].created_at,
                    prompt,
                    {"seed": 1},
                    {},
                    tuple(
                        ComparisonEntry(Target(*t), j.id)
                        for t, j in zip(picked, group, strict=True)
                    ),
                )
            )
        else:
            jobs.append(make_job(rng, now))
    store._db.execute("BEGIN")  # one transaction: seeding 100,000 jobs one commit each is slow
    for job in jobs:
        store.save(job)
    for comparison in comparisons:
        store.save_comparison(comparison)
    store._db.execute("COMMIT")


def median_ms(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """(median, best) milliseconds of `fn()` over `repeats` runs, after one warm-up run."""
    fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), min(samples)


def like_scan(store: Store, search: str, count: bool = False) -> list[tuple[object, ...]]:
    """The search as the plain LIKE scan over every prompt (the store without its index)."""
    clause, args = where(JobQuery(search=search))
    sql = (
        f"SELECT COUNT(*) FROM jobs {clause}"
        if count
        else f"SELECT * FROM jobs {clause} ORDER BY {SORTS['newest']} LIMIT 100"
    )
    return store._db.execute(sql, args).fetchall()


def plan_of(store: Store, query: JobQuery, count: bool = False) -> str:
    clause, args = where(query, store.indexed)
    sql = (
        f"SELECT COUNT(*) FROM jobs {clause}"
        if count
        else f"SELECT * FROM jobs {clause} ORDER BY {SORTS[query.sort]} LIMIT 100"
    )
    rows = store._db.execute(f"EXPLAIN QUERY PLAN {sql}", args).fetchall()
    return "; ".join(row[-1] for row in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--copy-of", type=Path, help="run on a copy of this store, not a new one")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "jobs.sqlite3"
        if args.copy_of:  # a store seeded before (seeding 100,000 jobs takes minutes)
            shutil.copyfile(args.copy_of, path)
        store = Store(path)
        started = time.perf_counter()
        if not args.copy_of:
            seed_store(store, args.jobs, rng)
        seeded = time.perf_counter() - started
        total = store.count()
        print(
            f"store: {total} jobs, {len(store.comparisons(limit=None))} comparisons, "
            f"{path.stat().st_size / 1e6:.1f} MB, seeded in {seeded:.1f}s",
            file=sys.stderr,
        )

        month_ago = time.time() - 30 * DAY
        last = JobQuery(limit=100, offset=max(0, total - 100))
        before_last = store.jobs(JobQuery(limit=1, offset=max(0, total - 101)))[0]
        keyset = JobQuery(limit=100, after=(before_last.created_at, before_last.id))
        queries: list[tuple[str, Callable[[], object], JobQuery | None, bool]] = [
            ("baseline: SELECT 1", lambda: store._db.execute("SELECT 1").fetchone(), None, False),
            (
                "first page (newest 100)",
                lambda: store.jobs(JobQuery(limit=100)),
                JobQuery(limit=100),
                False,
            ),
            (
                "search 'red fox' (100)",
                lambda: store.jobs(JobQuery(search="red fox", limit=100)),
                JobQuery(search="red fox", limit=100),
                False,
            ),
            (
                "  LIKE scan 'red fox' (100)",
                lambda: like_scan(store, "red fox"),
                None,
                False,
            ),
            (
                "search, rare word (100)",
                lambda: store.jobs(JobQuery(search="axolotl", limit=100)),
                JobQuery(search="axolotl", limit=100),
                False,
            ),
            ("  LIKE scan rare word (100)", lambda: like_scan(store, "axolotl"), None, False),
            (
                "search 'red fox' page+count",
                lambda: page(store, JobQuery(search="red fox", limit=100)),
                None,
                False,
            ),
            (
                "search rare page+count",
                lambda: page(store, JobQuery(search="axolotl", limit=100)),
                None,
                False,
            ),
            ("last page by OFFSET", lambda: store.jobs(last), last, False),
            ("last page by keyset", lambda: store.jobs(keyset), keyset, False),
            (
                "filter fal+done+30 days",
                lambda: store.jobs(
                    JobQuery(provider="fal", state=JobState.DONE, since=month_ago, limit=100)
                ),
                JobQuery(provider="fal", state=JobState.DONE, since=month_ago, limit=100),
                False,
            ),
            (
                "filter model (100)",
                lambda: store.jobs(JobQuery(model="flux-2-max", limit=100)),
                JobQuery(model="flux-2-max", limit=100),
                False,
            ),
            (
                "sort fastest (100)",
                lambda: store.jobs(JobQuery(sort="fastest", limit=100)),
                JobQuery(sort="fastest", limit=100),
                False,
            ),
            (
                "sort slowest (100)",
                lambda: store.jobs(JobQuery(sort="slowest", limit=100)),
                JobQuery(sort="slowest", limit=100),
                False,
            ),
            ("count (all)", lambda: store.count(), JobQuery(), True),
            (
                "count search 'red fox'",
                lambda: store.count(JobQuery(search="red fox")),
                JobQuery(search="red fox"),
                True,
            ),
            (
                "  LIKE count 'red fox'",
                lambda: like_scan(store, "red fox", count=True),
                None,
                True,
            ),
            (
                "count fal+done+30 days",
                lambda: store.count(JobQuery(provider="fal", state=JobState.DONE, since=month_ago)),
                JobQuery(provider="fal", state=JobState.DONE, since=month_ago),
                True,
            ),
            ("comparisons page (50)", lambda: store.comparisons(limit=50), None, False),
            ("library.page (jobs+count)", lambda: page(store, JobQuery(limit=100)), None, False),
        ]
        print(f"{'query':<28} {'median ms':>10} {'best ms':>9} {'× baseline':>11}  rows")
        baseline = None
        for name, fn, query, is_count in queries:
            median, best = median_ms(fn, args.repeats)
            baseline = baseline or median
            result = fn()
            size = (
                result
                if isinstance(result, int)
                else (
                    len(result.jobs)
                    if hasattr(result, "jobs")
                    else len(result)
                    if isinstance(result, list)
                    else ""
                )
            )
            print(f"{name:<28} {median:>10.3f} {best:>9.3f} {median / baseline:>11.0f}  {size}")
            if query is not None:
                print(f"{'':<28}   plan: {plan_of(store, query, is_count)}", file=sys.stderr)
        store.close()

        def open_library() -> None:
            opened = Store(path)
            page(opened, JobQuery(limit=100))
            opened.close()

        median, best = median_ms(open_library, max(5, args.repeats // 5))
        print(f"{'open store + first page':<28} {median:>10.3f} {best:>9.3f}")
        verdict = "OK" if median <= 300 else "TOO SLOW"
        print(f"library opens in {median:.0f} ms (target ≤ 300 ms): {verdict}")
        reopened = Store(path)
        search, _ = median_ms(lambda: page(reopened, JobQuery(search="red fox")), args.repeats)
        scan, _ = median_ms(
            lambda: (like_scan(reopened, "red fox"), like_scan(reopened, "red fox", True)),
            args.repeats,
        )
        reopened.close()
        verdict = "OK" if search <= 50 else "TOO SLOW"
        print(
            f"prompt search 'red fox' (page + count) {search:.1f} ms, LIKE scan {scan:.1f} ms"
            f" (×{search / scan:.2f}; target ≤ 50 ms): {verdict}"
        )
        print(f"one-off migration of this store from schema 5: {migrate_from_v5(path):.0f} ms")
        print(f"one-off migration of this store from schema 1: {migrate_from_v1(path):.0f} ms")
    return 0


def migrate_from_v5(path: Path) -> float:
    """Turn the store back into schema 5 (no prompt index) and time reopening it (it builds it)."""
    import sqlite3

    with sqlite3.connect(path) as db:
        for trigger in ("insert", "delete", "update"):
            db.execute(f"DROP TRIGGER jobs_fts_{trigger}")
        db.execute("DROP TABLE jobs_fts")
        db.execute("DROP INDEX jobs_by_created_id")
        db.execute("PRAGMA user_version=5")
    started = time.perf_counter()
    Store(path).close()
    return (time.perf_counter() - started) * 1000


def migrate_from_v1(path: Path) -> float:
    """Turn the store back into schema 1 (no image_s, no comparisons) and time reopening it."""
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("DROP INDEX jobs_by_time_to_image")
        db.execute("ALTER TABLE jobs DROP COLUMN image_s")
        db.execute("ALTER TABLE jobs DROP COLUMN demo")
        db.execute("DROP TABLE comparisons")
        db.execute("PRAGMA user_version=1")
    started = time.perf_counter()
    Store(path).close()
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    raise SystemExit(main())
