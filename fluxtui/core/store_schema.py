"""The job store's schema (version `SCHEMA_VERSION`) and the migrations from older files; `Store`
runs them once, under the write lock (see `store`)."""

from __future__ import annotations

import sqlite3

from fluxtui.core import batch_schema, job_rows, leases, lineage, prompt_index
from fluxtui.core.models import JobState

SCHEMA_VERSION = 7
SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id          TEXT PRIMARY KEY,
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL,
    provider    TEXT NOT NULL,
    model       TEXT NOT NULL,
    prompt      TEXT NOT NULL,
    state       TEXT NOT NULL,
    request     TEXT NOT NULL,
    handle      TEXT,
    history     TEXT NOT NULL,
    files       TEXT NOT NULL,
    seed        INTEGER,
    width       INTEGER,
    height      INTEGER,
    error       TEXT,
    group_id    TEXT,
    image_s     REAL,
    demo        INTEGER NOT NULL DEFAULT 0,
    cost        TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_created ON jobs (created_at DESC);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state);
CREATE INDEX IF NOT EXISTS jobs_by_group ON jobs (group_id);
CREATE INDEX IF NOT EXISTS jobs_by_provider ON jobs (provider, created_at);
CREATE INDEX IF NOT EXISTS jobs_by_model ON jobs (model, created_at);
CREATE INDEX IF NOT EXISTS jobs_by_time_to_image ON jobs (image_s IS NULL, image_s);
CREATE TABLE IF NOT EXISTS comparisons (
    id          TEXT PRIMARY KEY,
    created_at  REAL NOT NULL,
    prompt      TEXT NOT NULL,
    record      TEXT NOT NULL,
    set_name    TEXT
);
CREATE INDEX IF NOT EXISTS comparisons_by_created ON comparisons (created_at DESC);
"""


def migrate(db: sqlite3.Connection, version: int) -> None:
    """Bring a file at schema `version` (0 for a new one) to SCHEMA_VERSION."""
    migrate_1_to_2(db)
    migrate_3_to_4(db)
    for statement in (SCHEMA + leases.SCHEMA + lineage.SCHEMA).split(";"):
        if statement.strip():
            db.execute(statement)
    if 0 < version < 5:
        lineage.backfill(db)
    batch_schema.create(db)  # schema 6: the batch tables, on any file that lacks them
    prompt_index.install(db)  # schema 7: the prompt search index and the keyset pages' index


def migrate_1_to_2(db: sqlite3.Connection) -> None:
    """Schema 1 -> 2: add `jobs.image_s` (filled from each job's history) and `jobs.demo`."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
    if not columns or "image_s" in columns:
        return  # a new file (SCHEMA creates it), or past schema 1
    db.execute("ALTER TABLE jobs ADD COLUMN image_s REAL")
    db.execute("ALTER TABLE jobs ADD COLUMN demo INTEGER NOT NULL DEFAULT 0")
    cursor = db.execute("SELECT * FROM jobs WHERE state = ?", (str(JobState.DONE),))
    names = [d[0] for d in cursor.description]
    updates = [
        (job_rows.image_seconds(job), job.id)
        for job in (job_rows.from_row(names, r) for r in cursor)
    ]
    db.executemany("UPDATE jobs SET image_s = ? WHERE id = ?", updates)


def migrate_3_to_4(db: sqlite3.Connection) -> None:
    """Schema 3 (or 2, just migrated) -> 4: add `jobs.cost`; old jobs have none reported."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
    if columns and "cost" not in columns:
        db.execute("ALTER TABLE jobs ADD COLUMN cost TEXT")
