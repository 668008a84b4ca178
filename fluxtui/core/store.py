"""The job store: every job with its request, provider handle, history, files and error, in SQLite.

WAL mode, one row per job rewritten on each change, so a crash loses at most the change being
written and an unfinished job can be resumed from its handle. No API key is ever written here:
requests and handles hold none (keys live in `ProviderSettings` only).

Schema 2 adds `jobs.image_s` (seconds from creation to the saved image, for done jobs: derived
from the history on every save, so that the library can sort by it) and the `comparisons` table
(one row per comparison; its jobs carry its id as `group_id`). A schema-1 file is migrated in
place when it is opened.
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

from fluxtui.core.comparison import Comparison
from fluxtui.core.models import (
    TERMINAL_STATES,
    GenerationRequest,
    Handle,
    Job,
    JobError,
    JobState,
    StateChange,
)

SCHEMA_VERSION = 2
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
    demo        INTEGER NOT NULL DEFAULT 0
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

#: JobQuery.sort -> ORDER BY; "fastest"/"slowest" is time to image, jobs without one last
#: ("fastest" walks jobs_by_time_to_image; "slowest" sorts all rows, ~5 ms for 10,000 jobs: its
#: "+ 0" keeps SQLite from half-using that index, which costs ~25 ms there)
SORTS = {
    "newest": "created_at DESC",
    "oldest": "created_at ASC",
    "fastest": "image_s IS NULL, image_s ASC, created_at DESC",
    "slowest": "(image_s IS NULL) + 0, image_s DESC, created_at DESC",
}


@dataclass(frozen=True)
class JobQuery:
    """Filters for `Store.jobs`; every field optional."""

    search: str | None = None  # words that must all appear in the prompt
    provider: str | None = None
    model: str | None = None
    state: JobState | None = None
    since: float | None = None  # unix time, inclusive
    limit: int | None = 50
    offset: int = 0
    until: float | None = None  # unix time, exclusive
    group_id: str | None = None  # the jobs of one comparison
    sort: str = "newest"  # one of SORTS

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise ValueError(f"sort {self.sort!r} is not one of {', '.join(SORTS)}")


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
        if version < SCHEMA_VERSION:
            with self._transaction():  # another process may be migrating the same file
                self._migrate_1_to_2()
        self._db.executescript(SCHEMA)  # idempotent; runs in a transaction of its own
        self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _migrate_1_to_2(self) -> None:
        """Schema 1 -> 2: add `jobs.image_s` (filled from each job's history) and `jobs.demo`."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(jobs)")}
        if not columns or "image_s" in columns:
            return  # a new file (SCHEMA creates it), or migrated already
        self._db.execute("ALTER TABLE jobs ADD COLUMN image_s REAL")
        self._db.execute("ALTER TABLE jobs ADD COLUMN demo INTEGER NOT NULL DEFAULT 0")
        cursor = self._db.execute("SELECT * FROM jobs WHERE state = ?", (str(JobState.DONE),))
        names = self._columns(cursor)
        updates = [(_image_seconds(job), job.id) for job in (_from_row(names, r) for r in cursor)]
        self._db.executemany("UPDATE jobs SET image_s = ? WHERE id = ?", updates)

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
        escaped = _like_escape(prefix)
        cursor = self._db.execute(
            "SELECT * FROM jobs WHERE id LIKE ? ESCAPE '\\' ORDER BY created_at DESC LIMIT 10",
            (escaped + "%",),
        )
        return [_from_row(self._columns(cursor), row) for row in cursor.fetchall()]

    def jobs(self, query: JobQuery = JobQuery()) -> list[Job]:
        """The jobs `query` selects, in its order (newest first by default), one page of them."""
        where, args = _where(query)
        sql = f"SELECT * FROM jobs {where} ORDER BY {SORTS[query.sort]}"
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

    def facets(self) -> dict[str, list[str]]:
        """The providers, models and states present, sorted: choices for the library's filters."""
        return {
            column: [v for (v,) in self._db.execute(
                f"SELECT DISTINCT {column} FROM jobs ORDER BY {column}"
            )]
            for column in ("provider", "model", "state")
        }

    # ---- comparisons ----------------------------------------------------------------------------

    def save_comparison(self, comparison: Comparison) -> None:
        self._db.execute(
            "INSERT INTO comparisons (id, created_at, prompt, record, set_name) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET record=excluded.record, "
            "prompt=excluded.prompt, set_name=excluded.set_name",
            (
                comparison.id,
                comparison.created_at,
                comparison.prompt,
                json.dumps(comparison.to_dict()),
                comparison.set_name,
            ),
        )

    def get_comparison(self, comparison_id: str) -> Comparison | None:
        row = self._db.execute(
            "SELECT record FROM comparisons WHERE id = ?", (comparison_id,)
        ).fetchone()
        return Comparison.from_dict(json.loads(row[0])) if row else None

    def find_comparisons(self, prefix: str) -> list[Comparison]:
        """Comparisons whose id starts with `prefix`, newest first (at most 10)."""
        cursor = self._db.execute(
            "SELECT record FROM comparisons WHERE id LIKE ? ESCAPE '\\' "
            "ORDER BY created_at DESC LIMIT 10",
            (_like_escape(prefix) + "%",),
        )
        return [Comparison.from_dict(json.loads(r)) for (r,) in cursor]

    def comparisons(
        self,
        *,
        search: str | None = None,
        since: float | None = None,
        limit: int | None = 50,
        offset: int = 0,
    ) -> list[Comparison]:
        """Comparisons newest first; only those whose prompt holds every word of `search` and
        made at or after `since`, when given."""
        where, args = _search_clause(search, since)
        sql = f"SELECT record FROM comparisons {where} ORDER BY created_at DESC"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [limit, offset]
        return [Comparison.from_dict(json.loads(r)) for (r,) in self._db.execute(sql, args)]

    def count_comparisons(self, *, search: str | None = None, since: float | None = None) -> int:
        where, args = _search_clause(search, since)
        (n,) = self._db.execute(f"SELECT COUNT(*) FROM comparisons {where}", args).fetchone()
        return n

    def delete_comparison(self, comparison_id: str) -> bool:
        """Forget the comparison (its jobs stay, as ordinary jobs of the library)."""
        cursor = self._db.execute("DELETE FROM comparisons WHERE id = ?", (comparison_id,))
        return cursor.rowcount > 0

    def _columns(self, cursor: sqlite3.Cursor | None = None) -> list[str]:
        cursor = cursor or self._db.execute("SELECT * FROM jobs LIMIT 0")
        return [d[0] for d in cursor.description]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search_words(search: str | None) -> tuple[list[str], list[Any]]:
    """One `prompt LIKE` clause per word: every word must appear, in any case, anywhere."""
    words = (search or "").split()
    return ["prompt LIKE ? ESCAPE '\\'"] * len(words), [f"%{_like_escape(w)}%" for w in words]


def _search_clause(search: str | None, since: float | None = None) -> tuple[str, list[Any]]:
    clauses, args = _search_words(search)
    if since is not None:
        clauses.append("created_at >= ?")
        args.append(since)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), args


def _where(query: JobQuery) -> tuple[str, list[Any]]:
    clauses, args = _search_words(query.search)
    for column, value in (
        ("provider", query.provider),
        ("model", query.model),
        ("state", str(query.state) if query.state else None),
        ("group_id", query.group_id),
    ):
        if value:
            clauses.append(f"{column} = ?")
            args.append(value)
    if query.since is not None:
        clauses.append("created_at >= ?")
        args.append(query.since)
    if query.until is not None:
        clauses.append("created_at < ?")
        args.append(query.until)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), args


def _image_seconds(job: Job) -> float | None:
    """Seconds from creation to the saved image; None unless the job is done."""
    return job.timings()["total"] if job.state is JobState.DONE else None


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
        "demo": int(job.demo),
        "image_s": _image_seconds(job),
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
        demo=bool(row["demo"]),
    )
