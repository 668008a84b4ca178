"""The library: store queries (paging, search, filters, sort, comparisons), the schema migration,
`fluxtui history` and `fluxtui export`, and cached thumbnails."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from fluxtui.core import library, paths, provenance, thumbnails
from fluxtui.core.comparison import Comparison, ComparisonEntry, Target
from fluxtui.core.job_rows import JobQuery, to_row
from fluxtui.core.models import GenerationRequest, Job, JobState, StateChange
from fluxtui.core.store import SCHEMA_VERSION, Store
from tests.test_cli import run_cli, write_config

V1_SCHEMA = """
CREATE TABLE jobs (
    id TEXT PRIMARY KEY, created_at REAL NOT NULL, updated_at REAL NOT NULL,
    provider TEXT NOT NULL, model TEXT NOT NULL, prompt TEXT NOT NULL, state TEXT NOT NULL,
    request TEXT NOT NULL, handle TEXT, history TEXT NOT NULL, files TEXT NOT NULL,
    seed INTEGER, width INTEGER, height INTEGER, error TEXT, group_id TEXT
);
CREATE INDEX jobs_by_created ON jobs (created_at DESC);
CREATE INDEX jobs_by_state ON jobs (state);
CREATE INDEX jobs_by_group ON jobs (group_id);
PRAGMA user_version=1;
"""


def finished(
    prompt: str,
    provider: str = "fal",
    seconds: float = 2.0,
    *,
    created: float | None = None,
    state: JobState = JobState.DONE,
    group_id: str | None = None,
) -> Job:
    """A job that ended `seconds` after it was created."""
    job = Job.create(
        GenerationRequest(prompt, provider, "m-" + provider, {"seed": 1}), group_id=group_id
    )
    if created is not None:
        job.created_at = created
        job.history = [StateChange(JobState.PENDING, created)]
    start = job.created_at
    job.history += [
        StateChange(JobState.SUBMITTED, start + 0.1),
        StateChange(JobState.DOWNLOADING, start + seconds - 0.1),
        StateChange(state, start + seconds),
    ]
    job.state = state
    return job


# ---- the store ---------------------------------------------------------------------------------


def test_a_schema_1_store_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    jobs = [finished("old fast", seconds=1.5), finished("old failed", state=JobState.FAILED)]
    with sqlite3.connect(path) as db:
        db.executescript(V1_SCHEMA)
        for job in jobs:
            row = {k: v for k, v in to_row(job).items() if k not in ("image_s", "demo", "cost")}
            db.execute(
                f"INSERT INTO jobs ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                list(row.values()),
            )
    store = Store(path)
    try:
        assert store._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 7
        assert [j.id for j in store.jobs()] == [j.id for j in reversed(jobs)]
        assert store.get(jobs[0].id) == jobs[0]
        image_s = dict(store._db.execute("SELECT id, image_s FROM jobs"))
        assert image_s == {jobs[0].id: 1.5, jobs[1].id: None}
        assert store.comparisons() == []
    finally:
        store.close()
    Store(path).close()  # opening again is a no-op


def test_queries_sort_page_filter_by_date_and_group(store: Store) -> None:
    base = time.time() - 10 * 86400
    jobs = [
        finished(
            f"a red fox {i}",
            "fal" if i % 2 else "comet",
            seconds=10 - i,
            created=base + i * 86400,
            group_id="cmp-1" if i < 2 else None,
        )
        for i in range(6)
    ]
    jobs.append(finished("a blue fox", "fal", created=base + 7 * 86400, state=JobState.FAILED))
    for job in jobs:
        store.save(job)
    newest = store.jobs(JobQuery(limit=3))
    assert [j.request.prompt for j in newest] == ["a blue fox", "a red fox 5", "a red fox 4"]
    page2 = library.page(store, JobQuery(limit=3, offset=3))
    assert [j.request.prompt for j in page2.jobs] == ["a red fox 3", "a red fox 2", "a red fox 1"]
    assert library.page(store, JobQuery(limit=3, search="red")).total == 6
    fastest = store.jobs(JobQuery(sort="fastest", limit=None))
    assert [j.request.prompt for j in fastest][:2] == ["a red fox 5", "a red fox 4"]
    assert fastest[-1].request.prompt == "a blue fox"  # no image: last
    slowest = store.jobs(JobQuery(sort="slowest", limit=1))
    assert slowest[0].request.prompt == "a red fox 0"
    assert store.jobs(JobQuery(sort="oldest", limit=1))[0].id == jobs[0].id
    window = JobQuery(since=base + 2 * 86400, until=base + 4 * 86400, limit=None)
    assert [j.request.prompt for j in store.jobs(window)] == ["a red fox 3", "a red fox 2"]
    assert store.count(JobQuery(group_id="cmp-1")) == 2
    assert store.count(JobQuery(provider="fal", state=JobState.DONE)) == 3
    assert store.facets() == {
        "provider": ["comet", "fal"],
        "model": ["m-comet", "m-fal"],
        "state": ["done", "failed"],
    }
    with pytest.raises(ValueError, match="sort 'best' is not one of newest"):
        JobQuery(sort="best")


def test_comparisons_are_stored_listed_and_searched(store: Store) -> None:
    entries = (
        ComparisonEntry(Target("comet", "flux-pro-1.1"), "j1", ("steps",)),
        ComparisonEntry(Target("fal", "fal-ai/flux/dev"), None, (), ("width too big",)),
    )
    old = Comparison("cmp-0001", time.time() - 86400, "a lighthouse", {"seed": 3}, {}, entries)
    new = Comparison("cmp-0002", time.time(), "a red fox", {"seed": 4}, {}, entries, "mine")
    store.save_comparison(old)
    store.save_comparison(new)
    assert store.get_comparison("cmp-0001") == old
    assert [c.id for c in store.comparisons()] == ["cmp-0002", "cmp-0001"]
    assert [c.id for c in store.comparisons(search="light")] == ["cmp-0001"]
    assert [c.id for c in store.comparisons(since=time.time() - 60)] == ["cmp-0002"]
    assert [c.id for c in store.comparisons(search="fox")] == ["cmp-0002"]
    assert [c.id for c in store.find_comparisons("cmp-000")] == ["cmp-0002", "cmp-0001"]


def test_parse_when_reads_what_users_type() -> None:
    now = datetime(2025, 6, 10, 15, 30).timestamp()
    assert library.parse_when("today", now) == datetime(2025, 6, 10).timestamp()
    assert library.parse_when("yesterday", now) == datetime(2025, 6, 9).timestamp()
    assert library.parse_when("2h", now) == now - 7200
    assert library.parse_when("7d", now) == now - 7 * 86400
    assert library.parse_when("2025-06-01", now) == datetime(2025, 6, 1).timestamp()
    assert library.parse_when("2025-06-01 14:30", now) == datetime(2025, 6, 1, 14, 30).timestamp()
    with pytest.raises(library.WhenError, match="'last week' is not a date: use today"):
        library.parse_when("last week", now)


# ---- `fluxtui history` ---------------------------------------------------------------------------


def test_history_search_filter_since_and_json(sim, capsys) -> None:
    write_config(sim)
    assert run_cli(capsys, "generate", "an owl at night", "-p", "comet")[0] == 0
    assert run_cli(capsys, "generate", "an owl by day", "-p", "fal")[0] == 0
    assert run_cli(capsys, "generate", "a whale [[sim: status=Error]]", "-p", "fal")[0] == 1
    store = Store(paths.store_file())
    store.save(finished("an owl long ago", "fal", created=time.time() - 3 * 86400))
    store.close()

    code, out, _ = run_cli(
        capsys, "history", "--json", "--search", "owl", "--provider", "fal", "--since", "today"
    )
    assert code == 0
    [row] = [json.loads(line) for line in out.splitlines()]
    assert row["prompt"] == "an owl by day" and row["state"] == "done" and row["group_id"] is None
    assert Path(row["files"][0]).is_file() and row["timings"]["total"] > 0
    code, out, _ = run_cli(capsys, "history", "--json", "--search", "owl", "--since", "7d")
    assert len(out.splitlines()) == 3
    code, out, _ = run_cli(capsys, "history", "--state", "failed")
    assert "a whale" in out and "owl" not in out
    code, out, _ = run_cli(capsys, "history", "--json", "--limit", "1", "--offset", "1")
    assert json.loads(out)["prompt"] == "an owl by day"
    code, out, _ = run_cli(capsys, "history", "--json", "--sort", "fastest", "--search", "owl")
    totals = [json.loads(line)["timings"]["total"] for line in out.splitlines()]
    assert totals == sorted(totals)
    code, _, err = run_cli(capsys, "history", "--since", "last tuesday")
    assert code == 2 and "--since 'last tuesday' is not a date" in err


def test_history_lists_comparisons_and_their_jobs(sim, capsys) -> None:
    write_config(sim)
    code, out, _ = run_cli(
        capsys, "compare", "a stork 4c1d", "-t", "bfl", "-t", "fal", "--size", "512x512", "--json"
    )
    assert code == 0
    cmp_id = json.loads(out)["id"]
    code, out, _ = run_cli(capsys, "history", "--comparisons")
    assert out.splitlines()[0].startswith(f"{cmp_id}  ") and "2 targets  a stork 4c1d" in out
    assert "bfl:flux-pro-1.1" in out and "fal:fal-ai/flux/dev" in out
    code, out, _ = run_cli(capsys, "history", "--comparisons", "--json", "--search", "stork")
    [row] = [json.loads(line) for line in out.splitlines()]
    assert row["comparison"]["id"] == cmp_id and len(row["rows"]) == 2
    code, out, _ = run_cli(capsys, "history", "--search", "stork")
    assert out.count(f"in comparison {cmp_id}") == 2


# ---- `fluxtui export` ----------------------------------------------------------------------------


def test_export_copies_the_files_with_provenance_and_a_sidecar(sim, capsys, tmp_path) -> None:
    write_config(sim)
    code, out, _ = run_cli(
        capsys,
        "generate",
        "a red fox",
        "-p",
        "fal",
        "--seed",
        "31",
        "--param",
        "num_images=2",
        "--json",
    )
    job = json.loads(out)
    target = tmp_path / "out"
    code, out, err = run_cli(capsys, "export", job["id"][:12], str(target), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert [Path(p).name for p in result["files"]] == [Path(p).name for p in job["files"]]
    for copied, original in zip(result["files"], job["files"], strict=True):
        data = Path(copied).read_bytes()
        assert data == Path(original).read_bytes()  # the original bytes, provenance inside
        assert provenance.read(data)["seed"] == 31
    sidecar = json.loads(Path(result["sidecar"]).read_text())
    assert sidecar["job_id"] == job["id"] and sidecar["prompt"] == "a red fox"
    assert sidecar["provider"] == "fal" and sidecar["seed"] == 31
    assert sidecar["files"] == [Path(p).name for p in job["files"]]
    assert sidecar["timings"] == job["timings"]
    assert "placeholder-key" not in Path(result["sidecar"]).read_text()


def test_export_reports_what_it_cannot_do(sim, capsys, tmp_path) -> None:
    write_config(sim)
    _, out, _ = run_cli(capsys, "generate", "a fox [[sim: status=Error]]", "-p", "comet", "--json")
    failed = json.loads(out)["id"]
    code, _, err = run_cli(capsys, "export", failed, str(tmp_path / "x"))
    assert code == 1 and f"job {failed} has no image to export (failed:" in err
    code, _, err = run_cli(capsys, "export", "ffffffff", str(tmp_path / "x"))
    assert code == 2 and "no job has the id 'ffffffff'" in err
    _, out, _ = run_cli(capsys, "generate", "a fox", "-p", "comet", "--json")
    done = json.loads(out)
    Path(done["files"][0]).unlink()
    code, _, err = run_cli(capsys, "export", done["id"], str(tmp_path / "y"))
    assert code == 1 and "is missing on disk; not exported" in err
    assert (tmp_path / "y" / f"{done['id']}.json").is_file()


def test_export_a_comparison_whole(sim, capsys, tmp_path) -> None:
    write_config(sim)
    _, out, _ = run_cli(
        capsys, "compare", "a crane", "-t", "comet", "-t", "apiyi", "--size", "512x512", "--json"
    )
    comparison = json.loads(out)
    code, out, err = run_cli(capsys, "export", comparison["id"], str(tmp_path / "c"))
    assert code == 0, err
    names = sorted(p.name for p in (tmp_path / "c").iterdir())
    job_ids = [r["job_id"] for r in comparison["rows"]]
    assert names == sorted(
        [
            "sheet.png",
            "table.csv",
            "table.json",
            "table.md",
            *(f"{i}.json" for i in job_ids),
            *(Path(r["files"][0]).name for r in comparison["rows"]),
        ]
    )
    table = json.loads((tmp_path / "c" / "table.json").read_text())
    assert [r["job_id"] for r in table["rows"]] == job_ids
    assert len(out.splitlines()) == 4 + 2 * len(job_ids)


# ---- thumbnails ----------------------------------------------------------------------------------


def test_thumbnails_are_made_once_cached_and_thread_safe(tmp_path: Path, isolated_home) -> None:
    source = tmp_path / "big.png"
    Image.new("RGB", (1200, 600), (200, 30, 30)).save(source)
    results: list[Path] = []
    errors: list[BaseException] = []

    def make() -> None:
        try:
            results.append(thumbnails.thumbnail(source, 200))
        except BaseException as exc:  # reported below
            errors.append(exc)

    workers = [threading.Thread(target=make) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors and len(set(results)) == 1
    [thumb] = set(results)
    assert thumb.is_relative_to(isolated_home / "cache" / "fluxtui" / "thumbnails")
    with Image.open(thumb) as img:
        assert img.size == (200, 100) and img.getpixel((50, 50)) == (200, 30, 30)
    assert not list(thumb.parent.glob(".*.part"))
    assert thumbnails.cached_thumbnail(source, 200) == thumb
    assert thumbnails.cached_thumbnail(source, 64) is None
    made = thumb.stat().st_mtime_ns
    assert thumbnails.thumbnail(source, 200) == thumb and thumb.stat().st_mtime_ns == made
    Image.new("RGB", (300, 300), (0, 0, 255)).save(source)  # replaced in place: a new thumbnail
    fresh = thumbnails.thumbnail(source, 200)
    assert fresh != thumb
    with Image.open(fresh) as img:
        assert img.size == (200, 200)


def test_a_thumbnail_of_something_unreadable_says_why(tmp_path: Path) -> None:
    with pytest.raises(thumbnails.ThumbnailError, match=r"cannot read .*missing\.png"):
        thumbnails.thumbnail(tmp_path / "missing.png")
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image at all")
    with pytest.raises(
        thumbnails.ThumbnailError, match=r"cannot make a thumbnail of .*broken\.png"
    ):
        thumbnails.thumbnail(broken)
