"""Lineage: the store records each job's inputs and the jobs they came from (schema 5, migrated
from schema 4), the library answers a job's parents, children (the first few, and how many) and
chain (a loop or a deleted parent ends it, and says so), where a job is in a library query's
order, each through an index; and the provenance in the image carries the inputs."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest

from fluxtui.core import chains, library, provenance
from fluxtui.core.input_images import InputImage
from fluxtui.core.job_rows import SORTS, JobQuery
from fluxtui.core.leases import SCHEMA as LEASES_SCHEMA
from fluxtui.core.models import GenerationRequest, Job, JobState, StateChange
from fluxtui.core.store import SCHEMA_VERSION, Store
from tests.inputs_helpers import local_input, write_image

#: the jobs and comparisons tables as schema 4 made them
SCHEMA_4 = """
CREATE TABLE jobs (
    id TEXT PRIMARY KEY, created_at REAL NOT NULL, updated_at REAL NOT NULL,
    provider TEXT NOT NULL, model TEXT NOT NULL, prompt TEXT NOT NULL, state TEXT NOT NULL,
    request TEXT NOT NULL, handle TEXT, history TEXT NOT NULL, files TEXT NOT NULL,
    seed INTEGER, width INTEGER, height INTEGER, error TEXT, group_id TEXT, image_s REAL,
    demo INTEGER NOT NULL DEFAULT 0, cost TEXT
);
CREATE TABLE comparisons (
    id TEXT PRIMARY KEY, created_at REAL NOT NULL, prompt TEXT NOT NULL, record TEXT NOT NULL,
    set_name TEXT
);
"""


def made(store: Store, tmp_path: Path, name: str, inputs: tuple[InputImage, ...] = ()) -> Job:
    """A done job with one image file, stored."""
    job = Job.create(GenerationRequest(f"prompt {name}", "bfl", "flux-kontext-pro", inputs=inputs))
    job.state, job.files = JobState.DONE, [str(write_image(tmp_path / f"{name}.png"))]
    store.save(job)
    return job


def from_job(parent: Job, index: int = 1) -> InputImage:
    image = InputImage(source=parent.id[11:19], path=parent.files[index - 1], sha256="ab", size=10)
    return dataclasses.replace(image, parent_job=parent.id, parent_index=index)


def test_parents_children_and_the_chain_of_an_edit_of_an_edit(store: Store, tmp_path: Path) -> None:
    original = made(store, tmp_path, "original")
    reference = made(store, tmp_path, "reference")
    edit = made(store, tmp_path, "edit", (from_job(original), from_job(reference)))
    again = made(store, tmp_path, "again", (from_job(edit),))
    other = made(store, tmp_path, "other", (from_job(original), local_input(tmp_path / "x.png")))
    assert [j.id for j in store.parents(edit.id)] == [original.id, reference.id]
    assert [j.id for j in store.children(original.id)] == [edit.id, other.id]
    assert store.parents(original.id) == [] and store.children(again.id) == []
    found = library.lineage(store, edit.id)
    assert ([j.id for j in found.parents], [j.id for j in found.children]) == (
        [original.id, reference.id],
        [again.id],
    )
    assert [j.id for j in library.chain(store, again.id)] == [original.id, edit.id, again.id]


def test_a_deleted_parent_leaves_its_children_and_a_deleted_child_its_rows(
    store: Store, tmp_path: Path
) -> None:
    original = made(store, tmp_path, "original")
    edit = made(store, tmp_path, "edit", (from_job(original),))
    assert store.delete(original.id)
    assert store.parents(edit.id) == []  # gone from the store: not a parent to show
    assert (
        store.get(edit.id) is not None
        and store.get(edit.id).request.inputs[0].parent_job == original.id
    )  # type: ignore[union-attr]
    assert store.delete(edit.id)
    rows = store._db.execute("SELECT COUNT(*) FROM job_inputs").fetchone()[0]
    assert rows == 0


def test_inputs_are_written_once_whatever_the_saves(store: Store, tmp_path: Path) -> None:
    original = made(store, tmp_path, "original")
    edit = made(store, tmp_path, "edit", (from_job(original),))
    edit.state = JobState.FAILED
    store.save(edit)
    store.save(edit)
    rows = store._db.execute(
        "SELECT position, role, source, parent_job, parent_index FROM job_inputs WHERE job_id = ?",
        (edit.id,),
    ).fetchall()
    assert rows == [(0, "image", original.id[11:19], original.id, 1)]


def test_a_schema_4_store_is_migrated_and_keeps_its_jobs(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = Job.create(GenerationRequest("a fox", "bfl", "flux-pro-1.1"))
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA_4 + LEASES_SCHEMA)
        db.execute(
            "INSERT INTO jobs (id, created_at, updated_at, provider, model, prompt, state, "
            "request, history, files) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                old.id,
                old.created_at,
                old.created_at,
                "bfl",
                "flux-pro-1.1",
                "a fox",
                "done",
                json.dumps(old.request.to_dict()),
                json.dumps([c.to_dict() for c in old.history]),
                json.dumps([str(tmp_path / "fox.png")]),
            ),
        )
        db.execute("PRAGMA user_version=4")
    db.close()
    store = Store(path)
    try:
        assert store._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 7
        [loaded] = store.jobs()
        assert (loaded.id, loaded.request.inputs, store.children(old.id)) == (old.id, (), [])
        child = Job.create(
            GenerationRequest("edit", "bfl", "flux-kontext-pro", inputs=(from_job(loaded),))
        )
        store.save(child)
        assert [j.id for j in store.children(old.id)] == [child.id]
    finally:
        store.close()


def test_the_provenance_names_the_inputs_but_not_their_absolute_paths(tmp_path: Path) -> None:
    image = local_input(tmp_path / "photo.png")
    job = Job.create(GenerationRequest("stormy", "bfl", "flux-kontext-pro", inputs=(image,)))
    record = provenance.record(job)
    assert record["inputs"] == [
        {"role": "image", "source": "photo.png", "sha256": image.sha256, "size": image.size}
    ]
    assert str(tmp_path) not in json.dumps(record)
    assert "inputs" not in provenance.record(Job.create(GenerationRequest("a", "bfl", "flux-dev")))


def test_the_first_children_and_their_count(store: Store, tmp_path: Path) -> None:
    original = made(store, tmp_path, "original")
    edits = [made(store, tmp_path, f"edit{n}", (from_job(original),)) for n in range(5)]
    both = made(store, tmp_path, "both", (from_job(original), from_job(original)))
    assert [j.id for j in store.children(original.id, 2)] == [edits[0].id, edits[1].id]
    assert store.child_count(original.id) == 6  # `both` counts once
    assert [j.id for j in store.children(original.id)][-1] == both.id
    assert store.child_count(both.id) == 0 and store.children(both.id, 3) == []


def test_a_loop_in_the_stored_lineage_ends_the_chain(store: Store, tmp_path: Path) -> None:
    """Ids are unique and parents older, so no real chain loops; a damaged store may."""
    first = Job.create(GenerationRequest("first", "bfl", "flux-kontext-pro"))
    first.files = [str(write_image(tmp_path / "first.png"))]
    second = made(store, tmp_path, "second", (from_job(first),))
    first.request = dataclasses.replace(first.request, inputs=(from_job(second),))
    first.state = JobState.DONE
    store.save(first)
    found = library.chain(store, first.id)
    assert [j.id for j in found] == [second.id, first.id]  # each once
    assert chains.cut_before(store, found) == "loop"


def test_why_a_chain_starts_where_it_does(store: Store, tmp_path: Path) -> None:
    original = made(store, tmp_path, "original")
    edit = made(store, tmp_path, "edit", (from_job(original),))
    again = made(store, tmp_path, "again", (from_job(edit),))
    assert chains.cut_before(store, library.chain(store, again.id)) is None  # the first image
    assert chains.cut_before(store, library.chain(store, again.id, limit=2)) == "long"
    assert chains.cut_before(store, []) is None
    store.delete(original.id)
    found = library.chain(store, again.id)
    assert [j.id for j in found] == [edit.id, again.id]
    assert chains.cut_before(store, found) == "deleted"


def timed(store: Store, n: int, base: float) -> Job:
    """Job `n`: made at `base + n`, every 4th failed, the others done in 1-5 s (ties on
    purpose: they are sorted by time made)."""
    job = Job.create(GenerationRequest(f"{'red' if n % 3 else 'blue'} fox {n}", "bfl", "flux-dev"))
    job.created_at = base + n
    job.history = [StateChange(JobState.PENDING, job.created_at)]
    if n % 4 == 1:
        job.state = JobState.FAILED
    else:
        job.state = JobState.DONE
        job.history.append(StateChange(JobState.DONE, job.created_at + 1 + (n * 7) % 5))
    store.save(job)
    return job


@pytest.mark.parametrize("sort", sorted(SORTS))
def test_a_jobs_position_is_its_row_in_the_querys_order(store: Store, sort: str) -> None:
    jobs = [timed(store, n, 1_000_000.0) for n in range(40)]
    for query in (
        JobQuery(sort=sort),
        JobQuery(sort=sort, search="red"),
        JobQuery(sort=sort, state=JobState.DONE, since=1_000_010.0),
    ):
        rows = [j.id for j in store.jobs(dataclasses.replace(query, limit=None))]
        for job in jobs:
            expected = rows.index(job.id) if job.id in rows else None
            assert store.position(job.id, query) == expected, (query, job.id)
    assert store.position("no-such-job", JobQuery(sort=sort)) is None


def test_the_lineage_queries_use_indexes(store: Store, tmp_path: Path) -> None:
    """Each lineage query searches an index (no scan of `job_inputs` or `jobs`): fit for a
    store of 100,000 jobs."""
    original = made(store, tmp_path, "original")
    made(store, tmp_path, "edit", (from_job(original),))
    db = store._db

    def plan(sql: str, *args: object) -> str:
        return " | ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", args))

    children = plan(
        "SELECT DISTINCT i.job_id FROM job_inputs i JOIN jobs j ON j.id = i.job_id "
        "WHERE i.parent_job = ? ORDER BY j.created_at LIMIT ?",
        original.id,
        3,
    )
    assert "SEARCH i USING INDEX job_inputs_by_parent (parent_job=?)" in children
    assert "SCAN" not in children
    count = plan("SELECT COUNT(DISTINCT job_id) FROM job_inputs WHERE parent_job = ?", "x")
    assert "USING INDEX job_inputs_by_parent" in count and "SCAN" not in count
    parents = plan(
        "SELECT parent_job FROM job_inputs WHERE job_id = ? AND parent_job IS NOT NULL "
        "ORDER BY position",
        "x",
    )
    assert "SEARCH job_inputs USING INDEX sqlite_autoindex_job_inputs_1 (job_id=?)" in parents
    before = plan("SELECT COUNT(*) FROM jobs WHERE (created_at > ?)", 1.0)
    assert "USING COVERING INDEX jobs_by_created (created_at>?)" in before
