"""Which jobs a job's input images came from: the `job_inputs` table (schema 5) of the store.

One row per input of a job (its images in order, then its mask): where it came from (path or
URL), its SHA-256 and size, and the library job and image it was taken from (`parent_job`,
`parent_index`), so that the library can show a result's parents and children and walk the
chain. A job's inputs never change: the rows are written once, with the job.
"""

from __future__ import annotations

import sqlite3

from fluxtui.core import job_rows
from fluxtui.core.models import Job

SCHEMA = """
CREATE TABLE IF NOT EXISTS job_inputs (
    job_id        TEXT NOT NULL,
    position      INTEGER NOT NULL,
    role          TEXT NOT NULL,
    source        TEXT NOT NULL,
    path          TEXT,
    url           TEXT,
    sha256        TEXT,
    size          INTEGER,
    parent_job    TEXT,
    parent_index  INTEGER,
    PRIMARY KEY (job_id, position)
);
CREATE INDEX IF NOT EXISTS job_inputs_by_parent ON job_inputs (parent_job);
"""
_INSERT = (
    "INSERT OR IGNORE INTO job_inputs (job_id, position, role, source, path, url, sha256, size, "
    "parent_job, parent_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def record(db: sqlite3.Connection, job: Job) -> None:
    """Write `job`'s inputs, unless they are written already."""
    rows = [
        (job.id, n, i.role, i.source, i.path, i.url, i.sha256, i.size, i.parent_job, i.parent_index)
        for n, i in enumerate(job.request.inputs)
    ]
    if rows:
        db.executemany(_INSERT, rows)


def forget(db: sqlite3.Connection, job_id: str) -> None:
    db.execute("DELETE FROM job_inputs WHERE job_id = ?", (job_id,))


def parent_ids(db: sqlite3.Connection, job_id: str) -> list[str]:
    """The jobs `job_id` took inputs from, in the order of its inputs (each once)."""
    rows = db.execute(
        "SELECT parent_job FROM job_inputs WHERE job_id = ? AND parent_job IS NOT NULL "
        "ORDER BY position",
        (job_id,),
    )
    return list(dict.fromkeys(parent for (parent,) in rows))


def child_ids(db: sqlite3.Connection, job_id: str, limit: int | None = None) -> list[str]:
    """The jobs that took an input from `job_id`, oldest first (the first `limit` of them)."""
    rows = db.execute(
        "SELECT DISTINCT i.job_id FROM job_inputs i JOIN jobs j ON j.id = i.job_id "
        "WHERE i.parent_job = ? ORDER BY j.created_at LIMIT ?",
        (job_id, -1 if limit is None else limit),
    )
    return [child for (child,) in rows]


def child_count(db: sqlite3.Connection, job_id: str) -> int:
    """How many jobs took an input from `job_id` (through `job_inputs_by_parent`)."""
    (n,) = db.execute(
        "SELECT COUNT(DISTINCT job_id) FROM job_inputs WHERE parent_job = ?", (job_id,)
    ).fetchone()
    return int(n)


def backfill(db: sqlite3.Connection) -> None:
    """Schema 4 -> 5: rows for the stored jobs whose request holds inputs (none did before
    schema 5, but a file may have been written by a newer build and opened again)."""
    cursor = db.execute("SELECT * FROM jobs WHERE request LIKE '%\"inputs\"%'")
    columns = [d[0] for d in cursor.description]
    for row in cursor.fetchall():
        job = job_rows.from_row(columns, row)
        if job.request.inputs:
            record(db, job)
