"""How the store writes a job's row: whole, or only the columns that changed since it last did.

A job's run writes its row at each change of state (the "sending" mark just before the paid
submit, the handle just after it, ...). Rewriting the whole row every time re-encodes all of it
and rewrites every index of `jobs`; an UPDATE of the columns that changed (the state, the
history, `updated_at`, the handle) touches only theirs. Each write is still one statement,
committed before the store returns, so what is durable does not change.

An UPDATE of the changed columns is right only while the row is as this store last wrote it.
So a row is remembered only while its job is leased through this store (`hold`: from `create`
or `claim` until `release`, a renewal that finds the lease gone, or a delete), when no other
process writes it; the first save after a `claim` writes the whole row. An UPDATE that finds
no row (another process deleted the job meanwhile) writes it whole, as every save did before.

The SQL lives here; `Store` calls it and holds the connection.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from fluxtui.core import job_rows, lineage
from fluxtui.core.models import Job

Row = dict[str, Any]


class RowWrites:
    """The rows of the jobs held through one store, as it last wrote them."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._held: set[str] = set()
        self._rows: dict[str, Row] = {}

    def insert(self, job: Job) -> Row:
        """INSERT a new job's row and its inputs (in the caller's transaction); the row."""
        row = job_rows.to_row(job)
        self._db.execute(job_rows.insert_sql(row), row)
        lineage.record(self._db, job)
        return row

    def save(self, job: Job) -> None:
        """Write `job`'s row: the columns that changed since this store wrote it, or all of it
        (inserting it if it is not there)."""
        row = job_rows.to_row(job)
        last = self._rows.get(job.id)
        if last is not None and self._update(row, last):
            self._remember(job.id, row)
            return
        updates = ", ".join(f"{c}=excluded.{c}" for c in row if c != "id")
        self._db.execute(f"{job_rows.insert_sql(row)} ON CONFLICT(id) DO UPDATE SET {updates}", row)
        lineage.record(self._db, job)
        self._remember(job.id, row)

    def _update(self, row: Row, last: Row) -> bool:
        """UPDATE the columns of `row` that differ from `last`; False when there is no such row."""
        changed = [c for c, value in row.items() if c != "id" and last.get(c) != value]
        if not changed:
            return True
        sets = ", ".join(f"{c} = :{c}" for c in changed)
        values = {c: row[c] for c in ("id", *changed)}
        return self._db.execute(f"UPDATE jobs SET {sets} WHERE id = :id", values).rowcount > 0

    def _remember(self, job_id: str, row: Row) -> None:
        if job_id in self._held:
            self._rows[job_id] = row

    # ---- which rows are known: those of the jobs leased through this store --------------------

    def hold(self, job_id: str, row: Row | None = None) -> None:
        """`job_id` is leased through this store; `row`: its row as this store just wrote it
        (committed), else None and the next save writes it whole."""
        self._held.add(job_id)
        if row is None:
            self._rows.pop(job_id, None)
        else:
            self._rows[job_id] = row

    def drop(self, job_id: str) -> None:
        """The lease of `job_id` is given up, lost or gone: forget its row."""
        self._held.discard(job_id)
        self._rows.pop(job_id, None)
