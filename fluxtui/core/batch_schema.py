"""The batch tables of the job store (schema 6): one row per batch, one per line of its file.

`batches`: the batch's id (`bat-…`), when it was made and last run, its source (a file's absolute
path, or `-` for stdin), the SHA-256 of the source as last read, and its options (JSON: the flags
it runs with, `demo` among them). `batch_lines`: per line, its key (the SHA-256 of the request it
makes, then `:N` for its Nth occurrence in the file), its number in the file as last read (NULL
once the line has left the file), its prompt, name and request (JSON; NULL for a line that does
not validate, whose `problem` says why), the job made for it (NULL before one is), and its state.

A line's job is stored in the same transaction that gives the line its job id (`take_line`), so
a job exists exactly when its line names it, whatever process stopped when.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id          TEXT PRIMARY KEY,
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL,
    source      TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    options     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS batches_by_source ON batches (source, created_at DESC);
CREATE TABLE IF NOT EXISTS batch_lines (
    batch_id    TEXT NOT NULL,
    line_key    TEXT NOT NULL,
    line_no     INTEGER,
    prompt      TEXT NOT NULL,
    name        TEXT,
    request     TEXT,
    problem     TEXT,
    job_id      TEXT,
    state       TEXT NOT NULL DEFAULT 'new',
    PRIMARY KEY (batch_id, line_key)
);
CREATE INDEX IF NOT EXISTS batch_lines_by_job ON batch_lines (job_id);
"""


def create(db: sqlite3.Connection) -> None:
    """Make the batch tables where they are missing (inside the migration's transaction)."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


class LineTaken(Exception):
    """Another process gave the batch line a job first: nothing was stored."""


def take_line(
    batch_id: str, key: str, old_job: str | None, new_job: str
) -> Callable[[sqlite3.Connection], None]:
    """For `Store.create(..., also=)`: in the job's own transaction, point the line at `new_job`
    if it still names `old_job`; LineTaken (the job is not stored) if it does not."""

    def take(db: sqlite3.Connection) -> None:
        changed = db.execute(
            "UPDATE batch_lines SET job_id = ?, state = 'sent' "
            "WHERE batch_id = ? AND line_key = ? AND job_id IS ?",
            (new_job, batch_id, key, old_job),
        ).rowcount
        if not changed:
            raise LineTaken(key)

    return take
