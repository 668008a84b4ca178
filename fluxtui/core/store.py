"""The job store: every job with its request, provider handle, history, files and error, in SQLite.

WAL mode, one row per job written on each change (whole, or the columns that changed:
`row_writes`), each change committed as it is written, so a crash loses at most the change being
written and an unfinished job can be resumed from its handle. No API key is ever written here:
requests and handles hold none (keys live in `ProviderSettings` only).

Schema 2 adds `jobs.image_s` (seconds from creation to the saved image, for done jobs: derived
from the history on every save, so that the library can sort by it) and the `comparisons` table
(one row per comparison; its jobs carry its id as `group_id`). A schema-1 file is migrated in
place when it is opened.

Schema 3 adds the `leases` table: which process follows which job (`fluxtui.core.leases`).

Schema 4 adds `jobs.cost`: what the provider reported the job costs (JSON of a `ReportedCost`;
NULL when it said nothing, as every job of an older store).

Schema 5 adds the `job_inputs` table: each job's input images and the jobs they came from
(`fluxtui.core.lineage`).

Schema 6 adds the `batches` and `batch_lines` tables (`fluxtui.core.batch_schema`). Schema 7 adds
the prompt search index (`fluxtui.core.prompt_index`: FTS5, kept by triggers) and the index of the
library's keyset pages. The schema and its migrations are in `store_schema`.

Any number of processes may open, migrate and write the same file at once: the busy timeout is
set on connecting, the switch to WAL is retried while another process holds the new file, the
migration runs once under the write lock, and every read that decides a write is in a
`BEGIN IMMEDIATE` transaction.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from fluxtui.core import (
    comparison_rows,
    job_position,
    job_rows,
    leases,
    lineage,
    prompt_index,
    store_schema,
)
from fluxtui.core.comparison import Comparison
from fluxtui.core.errors import StoreError
from fluxtui.core.job_rows import SORTS, JobQuery
from fluxtui.core.leases import Lease
from fluxtui.core.models import (
    RESUMABLE_STATES,
    TERMINAL_STATES,
    Job,
)
from fluxtui.core.row_writes import RowWrites
from fluxtui.core.store_schema import SCHEMA, SCHEMA_VERSION

__all__ = ["SCHEMA", "SCHEMA_VERSION", "Store"]

#: seconds a statement waits for another process's write lock before the store gives up
BUSY_TIMEOUT_S = 10.0

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _is_busy(exc: sqlite3.Error) -> bool:
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
    )


def _readable_errors(
    method: Callable[Concatenate[Store, _P], _R],
) -> Callable[Concatenate[Store, _P], _R]:
    """Turn what the file or the disk does to a Store method into a `StoreError` for users."""

    @functools.wraps(method)
    def guarded(store: Store, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(store, *args, **kwargs)
        except sqlite3.Error as exc:
            readable = StoreError.from_sqlite(store.path, exc, BUSY_TIMEOUT_S)
            if readable is None:
                raise  # a bug, not the file or the disk
            raise readable from exc

    return guarded


class Store:
    """The job store on one SQLite file, shared safely by any number of processes.

    Every public method raises `StoreError` (a message for users, naming the file) when the file
    cannot be opened, read or written; other errors are bugs and pass through.
    """

    @_readable_errors
    def __init__(self, path: Path):
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the folder of the job store {path}: {exc.strerror}"
            ) from exc
        # prompts and request params (a webhook secret, say) are the user's own: the file (and
        # so its -wal and -shm, which SQLite makes alike) is theirs alone, whatever the umask
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        # the timeout is SQLite's busy timeout, in force before the first statement runs
        self._db = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        try:
            self._use_wal()
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
            #: whether searches go through the prompt index (the file has it)
            self.indexed = prompt_index.present(self._db)
            self._writes = RowWrites(self._db)
            self._written = leases.Written()
        except BaseException:
            self._db.close()
            raise

    def _use_wal(self) -> None:
        """Switch the file to WAL. On a new file, processes opening it at once can each find it
        locked by another's switch, which the busy timeout does not cover: retry until it is."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        delay = 0.005
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    def _migrate(self) -> None:
        """Bring the file to `SCHEMA_VERSION`: one process does it, under the write lock, and
        the others find it done when they get the lock in turn."""
        if self._version() == SCHEMA_VERSION:
            return
        with self._transaction():
            version = self._version()
            if version == SCHEMA_VERSION:
                return
            store_schema.migrate(self._db, version)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _version(self) -> int:
        """The file's schema version; `StoreError` when a newer fluxtui wrote it."""
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the job store {self.path} was written by a newer fluxtui (schema {version}, "
                f"this one reads {SCHEMA_VERSION}): upgrade fluxtui"
            )
        return int(version)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """A write transaction from its first statement (BEGIN IMMEDIATE): what it reads cannot
        change before it writes, and waiting for the lock is covered by the busy timeout."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    @_readable_errors
    def save(self, job: Job) -> None:
        """Write `job`'s row, inserting it or rewriting it: while its lease is held through this
        store, only the columns that changed since this store wrote it (`row_writes`)."""
        self._writes.save(job)

    # ---- ownership: one process follows a job at a time (see fluxtui.core.leases) -------------

    @_readable_errors
    def create(
        self, job: Job, owner: str, *, also: Callable[[sqlite3.Connection], None] | None = None
    ) -> None:
        """Insert the new `job` with its lease held by `owner`, in one transaction; `also` runs
        in it too (a batch line taking the job: `batch_schema.take_line`), and what it raises
        undoes the insert.

        `sqlite3.IntegrityError` if a job with its id is stored already.
        """
        with self._transaction():
            row = self._writes.insert(job)
            leases.write(self._db, job.id, owner)
            if also is not None:
                also(self._db)
        self._writes.hold(job.id, row)
        self._written.wrote(job.id, owner)

    @_readable_errors
    def claim(self, job_id: str, owner: str) -> bool:
        """Take the lease of `job_id` for `owner` if it is free, ours already, or stale; False
        when another live owner holds it (or there is no such job). A lease `owner` took
        through this store moments ago is still its own: that claim sends no statement."""
        if self._written.fresh(job_id, owner):
            return True
        with self._transaction():
            taken = leases.take(self._db, job_id, owner)
        if taken:
            self._writes.hold(job_id)
            self._written.wrote(job_id, owner)
        else:
            self._forget(job_id)
        return taken

    @_readable_errors
    def renew(self, owner: str, job_ids: Iterable[str]) -> set[str]:
        """Heartbeat `owner`'s leases on `job_ids`; the ids it still holds (not those another
        process took over, nor those of deleted jobs)."""
        asked = list(job_ids)
        with self._transaction():
            held = leases.renew(self._db, owner, asked)
        for job_id in asked:
            if job_id in held:
                self._written.wrote(job_id, owner)
            else:
                self._forget(job_id)
        return held

    @_readable_errors
    def release(self, job_id: str, owner: str) -> None:
        """Give up `owner`'s lease on `job_id`; nothing happens if `owner` does not hold it."""
        leases.release(self._db, job_id, owner)
        self._forget(job_id)

    def _forget(self, job_id: str) -> None:
        """What this store knew of `job_id`'s lease and row: no longer so."""
        self._writes.drop(job_id)
        self._written.forget(job_id)

    @_readable_errors
    def lease(self, job_id: str) -> Lease | None:
        return leases.read(self._db, job_id)

    @_readable_errors
    def get(self, job_id: str) -> Job | None:
        row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return job_rows.from_row(self._columns(), row) if row else None

    @_readable_errors
    def find(self, prefix: str) -> list[Job]:
        """Jobs `prefix` names, newest first (at most 10): their id or their short id
        (`models.short_id`) starts with it. Users type short ids."""
        clause, args = job_rows.id_clause(prefix)
        cursor = self._db.execute(
            f"SELECT * FROM jobs WHERE {clause} ORDER BY created_at DESC LIMIT 10", args
        )
        return [job_rows.from_row(self._columns(cursor), row) for row in cursor.fetchall()]

    @_readable_errors
    def jobs(self, query: JobQuery = JobQuery()) -> list[Job]:
        """The jobs `query` selects, in its order (newest first by default), one page of them:
        after the job `query.after` names if it does, then after `query.offset` more."""
        where, args = job_rows.where(query, self.indexed, self._dense(query))
        keyset, after = job_rows.keyset_clause(query)
        if keyset:
            where = f"{where} AND {keyset}" if where else f"WHERE {keyset}"
            args += after
        sql = f"SELECT * FROM jobs {where} ORDER BY {SORTS[query.sort]}"
        if query.limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [query.limit, query.offset]
        cursor = self._db.execute(sql, args)
        columns = self._columns(cursor)
        return [job_rows.from_row(columns, row) for row in cursor.fetchall()]

    @_readable_errors
    def count(self, query: JobQuery = JobQuery()) -> int:
        """How many jobs `query`'s filters select (its page aside)."""
        if self.indexed and job_rows.search_only(query):
            return prompt_index.count(self._db, job_rows.search_words(query))
        where, args = job_rows.where(query, self.indexed)
        (n,) = self._db.execute(f"SELECT COUNT(*) FROM jobs {where}", args).fetchone()
        return int(n)

    def _dense(self, query: JobQuery) -> bool:
        """Whether `query`'s search matches so many jobs that its page is quicker found walking
        them in order (`prompt_index.match_clause`)."""
        words = job_rows.search_words(query) if self.indexed and query.limit else []
        limit = (query.limit or 0) + query.offset
        return bool(words) and prompt_index.count(self._db, words) > prompt_index.DENSE * limit

    @_readable_errors
    def unfinished(self, free_for: str | None = None) -> list[Job]:
        """Jobs that did not reach an end or ended resumable: what `fluxtui resume` picks up,
        oldest first. With `free_for`, only those that owner could claim: none held by another
        live owner."""
        ended = TERMINAL_STATES - RESUMABLE_STATES
        cursor = self._db.execute(
            f"SELECT * FROM jobs WHERE state NOT IN ({', '.join('?' for _ in ended)}) "
            "ORDER BY created_at",
            [str(s) for s in ended],
        )
        columns = self._columns(cursor)
        jobs = [job_rows.from_row(columns, row) for row in cursor.fetchall()]
        if free_for is None:
            return jobs
        held = leases.every(self._db)
        return [job for job in jobs if leases.may_take(held.get(job.id), free_for)]

    @_readable_errors
    def delete(self, job_id: str) -> bool:
        """Forget the job and its lease; False if there was no such job."""
        self._forget(job_id)
        with self._transaction():
            leases.forget(self._db, job_id)
            lineage.forget(self._db, job_id)
            return self._db.execute("DELETE FROM jobs WHERE id = ?", (job_id,)).rowcount > 0

    @_readable_errors
    def parents(self, job_id: str) -> list[Job]:
        """The stored jobs `job_id` took input images from, in the order of its inputs."""
        return [job for i in lineage.parent_ids(self._db, job_id) if (job := self.get(i))]

    @_readable_errors
    def children(self, job_id: str, limit: int | None = None) -> list[Job]:
        """The stored jobs that took an input image from `job_id`, oldest first (the first
        `limit`); `child_count` says how many there are."""
        ids = lineage.child_ids(self._db, job_id, limit)
        return [job for i in ids if (job := self.get(i))]

    @_readable_errors
    def child_count(self, job_id: str) -> int:
        return lineage.child_count(self._db, job_id)

    @_readable_errors
    def position(self, job_id: str, query: JobQuery) -> int | None:
        """The row of `job_id` in the library `query` shows (`job_position`); None if not in."""
        return job_position.position(self._db, job_id, query)

    @_readable_errors
    def facets(self) -> dict[str, list[str]]:
        """The providers, models and states present, sorted: choices for the library's filters."""
        return {
            column: [
                v
                for (v,) in self._db.execute(
                    f"SELECT DISTINCT {column} FROM jobs ORDER BY {column}"
                )
            ]
            for column in ("provider", "model", "state")
        }

    # ---- comparisons (`comparison_rows`) -------------------------------------------------------

    @_readable_errors
    def save_comparison(self, comparison: Comparison) -> None:
        comparison_rows.save(self._db, comparison)

    @_readable_errors
    def get_comparison(self, comparison_id: str) -> Comparison | None:
        return comparison_rows.get(self._db, comparison_id)

    @_readable_errors
    def find_comparisons(self, prefix: str) -> list[Comparison]:
        """Comparisons whose id starts with `prefix`, newest first (at most 10)."""
        return comparison_rows.find(self._db, prefix)

    @_readable_errors
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
        return comparison_rows.page(
            self._db, search=search, since=since, limit=limit, offset=offset
        )

    def _columns(self, cursor: sqlite3.Cursor | None = None) -> list[str]:
        cursor = cursor or self._db.execute("SELECT * FROM jobs LIMIT 0")
        return [d[0] for d in cursor.description]
