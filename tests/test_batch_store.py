"""The batch tables of the store (schema 6): made on any file that lacks them, and a line's job
stored in the same transaction that gives the line its job, once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from fluxtui.core.batch_schema import LineTaken, take_line
from fluxtui.core.batch_store import BatchStore, LineRow
from fluxtui.core.leases import new_owner_id
from fluxtui.core.models import GenerationRequest, Job
from fluxtui.core.store import SCHEMA_VERSION, Store

REQUEST = GenerationRequest("a red mug", "fal", "fal-ai/flux/dev", {"seed": 3})


def test_a_schema_5_store_gets_the_batch_tables_and_keeps_its_jobs(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    store = Store(path)
    job = Job.create(REQUEST)
    store.save(job)
    store.close()
    with sqlite3.connect(path) as db:  # as fluxtui before batches left it
        db.execute("DROP TABLE batch_lines")
        db.execute("DROP TABLE batches")
        db.execute("PRAGMA user_version=5")
    db.close()
    batches = BatchStore(path)
    try:
        batch = batches.create("/tmp/mugs.txt", "ab" * 32, {"demo": False})
        assert batches.find(batch.id[4:10]) == [batch]
    finally:
        batches.close()
    store = Store(path)
    try:
        assert store._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.get(job.id) == job
    finally:
        store.close()


def test_a_line_takes_one_job_and_a_second_is_not_stored(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    batches = BatchStore(path)
    store = Store(path)
    try:
        batch = batches.create("-", "cd" * 32, {})
        batches.set_lines(batch.id, [LineRow("k:1", 1, REQUEST.prompt, None, REQUEST)])
        first, second = Job.create(REQUEST), Job.create(REQUEST)
        store.create(first, new_owner_id(), also=take_line(batch.id, "k:1", None, first.id))
        with pytest.raises(LineTaken):  # another process read the line before the first took it
            store.create(second, new_owner_id(), also=take_line(batch.id, "k:1", None, second.id))
        assert store.get(second.id) is None and store.lease(second.id) is None
        [line] = batches.lines(batch.id)
        assert (line.job_id, line.state, line.request) == (first.id, "sent", REQUEST)
        # the file read again: the line keeps its job; a line gone from it keeps its row unnumbered
        batches.set_lines(batch.id, [LineRow("k:1", 4, REQUEST.prompt), LineRow("j:1", 5, "x")])
        assert [(r.key, r.number, r.job_id) for r in batches.lines(batch.id)] == [
            ("k:1", 4, first.id),
            ("j:1", 5, None),
        ]
        batches.set_lines(batch.id, [LineRow("j:1", 1, "x")])
        assert [r.key for r in batches.lines(batch.id)] == ["j:1"]
        assert batches.job_ids(batch.id) == [first.id]
    finally:
        store.close()
        batches.close()
