"""The job store: every job with its request, provider handle, history, files and error, in SQLite.

WAL mode, one row per job rewritten on each change, so a crash loses at most the change being
written and an unfinished job can be resumed from its handle. No API key is ever written here:
requests and handles hold none (keys live in `ProviderSettings` only).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fluxtui.core.models import (
    TERMINAL_STATES,
    GenerationRequest,
    Handle,
    Job,
    JobError,
    JobState,
    StateChange,
)

SCHEMA_VERSION = 1
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
    group_id    TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_created ON jobs (created_at DESC);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state);
CREATE INDEX IF NOT EXISTS jobs_by_group ON jobs (group_id);
"""


@dataclass(frozen=True)
class JobQuery:
    """Filters for `Store.jobs`; every field optional."""

    search: str | None = None  # words that must all appear in the prompt
    provider: str | None = None
    model: str | None = None
    state: JobState | None = None
    since: float | None = None  # unix time
    limit: int | None = 50
    offset: int = 0


class Store:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._migrate()

    def _migrate(self) -> None:
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} was written by a newer fluxtui (schema {version}); upgrade fluxtui"
            )
        self._db.executescript(SCHEMA)  # idempotent; runs in a transaction of its own
        self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    def save(self, job: Job) -> None:
        row = _to_row(job)
        columns = ", ".join(row)
        marks = ", ".join(f":{c}" for c in row)
        updates = ", ".join(f"{c}=excluded.{c}" for c in row if c != "id")
        self._db.execute(
            f"INSERT INTO jobs ({columns}) VALUES ({marks}) ON CONFLICT(id) DO UPDATE SET {updates}",
            row,
        )

    def save_many(self, jobs: list[Job]) -> None:
        with self._transaction():
            for job in jobs:
                self.save(job)

    def get(self, job_id: str) -> Job | None:
        row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _from_row(self._columns(), row) if row else None

    def find(self, prefix: str) -> list[Job]:
        """Jobs whose id starts with `prefix` (users type short ids)."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        cursor = self._db.execute(
            "SELECT * FROM jobs WHERE id LIKE ? ESCAPE '\\' ORDER BY created_at DESC LIMIT 10",
            (escaped + "%",),
        )
        return [_from_row(self._columns(cursor), row) for row in cursor.fetchall()]

    def jobs(self, query: JobQuery = JobQuery()) -> list[Job]:
        """Newest first."""
        where, args = _where(query)
        sql = f"SELECT * FROM jobs {where} ORDER BY created_at DESC"
        if query.limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [query.limit, query.offset]
        cursor = self._db.execute(sql, args)
        columns = self._columns(cursor)
        return [_from_row(columns, row) for row in cursor.fetchall()]

    def count(self, query: JobQuery = JobQuery()) -> int:
        where, args = _where(query)
        (n,) = self._db.execute(f"SELECT COUNT(*) FROM jobs {where}", args).fetchone()
        return n

    def unfinished(self) -> list[Job]:
        """Jobs that did not reach an end: what `fluxtui resume` picks up. Oldest first."""
        marks = ", ".join("?" for _ in TERMINAL_STATES)
        cursor = self._db.execute(
            f"SELECT * FROM jobs WHERE state NOT IN ({marks}) ORDER BY created_at",
            [str(s) for s in TERMINAL_STATES],
        )
        columns = self._columns(cursor)
        return [_from_row(columns, row) for row in cursor.fetchall()]

    def delete(self, job_id: str) -> bool:
        cursor = self._db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
        return cursor.rowcount > 0

    def _columns(self, cursor: sqlite3.Cursor | None = None) -> list[str]:
        cursor = cursor or self._db.execute("SELECT * FROM jobs LIMIT 0")
        return [d[0] for d in cursor.description]


def _where(query: JobQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    for word in (query.search or "").split():
        clauses.append("prompt LIKE ? ESCAPE '\\'")
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        args.append(f"%{escaped}%")
    for column, value in (
        ("provider", query.provider),
        ("model", query.model),
        ("state", str(query.state) if query.state else None),
    ):
        if value:
            clauses.append(f"{column} = ?")
            args.append(value)
    if query.since is not None:
        clauses.append("created_at >= ?")
        args.append(query.since)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), args


def _to_row(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "created_at": job.created_at,
        "updated_at": time.time(),
        "provider": job.request.provider,
        "model": job.request.model,
        "prompt": job.request.prompt,
        "state": str(job.state),
        "request": json.dumps(job.request.to_dict()),
        "handle": json.dumps(job.handle.to_dict()) if job.handle else None,
        "history": json.dumps([c.to_dict() for c in job.history]),
        "files": json.dumps(job.files),
        "seed": job.seed,
        "width": job.width,
        "height": job.height,
        "error": json.dumps(job.error.to_dict()) if job.error else None,
        "group_id": job.group_id,
    }


def _from_row(columns: list[str], values: tuple[Any, ...]) -> Job:
    row = dict(zip(columns, values, strict=True))
    return Job(
        id=row["id"],
        request=GenerationRequest.from_dict(json.loads(row["request"])),
        state=JobState(row["state"]),
        created_at=row["created_at"],
        handle=Handle.from_dict(json.loads(row["handle"])) if row["handle"] else None,
        history=[StateChange.from_dict(c) for c in json.loads(row["history"])],
        files=json.loads(row["files"]),
        seed=row["seed"],
        width=row["width"],
        height=row["height"],
        error=JobError.from_dict(json.loads(row["error"])) if row["error"] else None,
        group_id=row["group_id"],
    )
