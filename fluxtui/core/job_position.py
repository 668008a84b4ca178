"""Where a job stands in a library query's order: the row the library's list shows it on, so
that a face can move its cursor to a job it names (a parent, a child) on whatever page it is.

The row is the number of jobs the query selects that sort before it (`job_rows.SORTS`, as
keys compared in SQL); a job the query does not select has none. By date, jobs made at the very
same moment sort by id, as the pages do; by time to image, such jobs sort in SQLite's order
among themselves, and the row may then be off by their number.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from fluxtui.core import job_rows
from fluxtui.core.job_rows import JobQuery

_NULL_FIRST = "(image_s IS NULL) < ? OR ((image_s IS NULL) = ? AND "
#: JobQuery.sort -> the WHERE text of "sorts before the job" (its arguments: `_keys`)
_BEFORE = {
    "newest": "(created_at > ? OR (created_at = ? AND id > ?))",
    "oldest": "(created_at < ? OR (created_at = ? AND id < ?))",
    "fastest": _NULL_FIRST
    + "(COALESCE(image_s, 0) < ? OR (COALESCE(image_s, 0) = ? AND created_at > ?)))",
    "slowest": _NULL_FIRST
    + "(COALESCE(image_s, 0) > ? OR (COALESCE(image_s, 0) = ? AND created_at > ?)))",
}


def _keys(sort: str, job_id: str, created_at: float, image_s: float | None) -> list[Any]:
    if sort in ("newest", "oldest"):
        return [created_at, created_at, job_id]
    missing = int(image_s is None)
    seconds = image_s if image_s is not None else 0
    return [missing, missing, seconds, seconds, created_at]


def position(db: sqlite3.Connection, job_id: str, query: JobQuery) -> int | None:
    """The row (0-based) of `job_id` among the jobs `query` selects, in its order (its limit and
    offset ignored); None when the query does not select it or there is no such job."""
    where, args = job_rows.where(query)
    joined = f"{where} AND" if where else "WHERE"
    row = db.execute(
        f"SELECT created_at, image_s FROM jobs {joined} id = ?", [*args, job_id]
    ).fetchone()
    if row is None:
        return None
    before = f"SELECT COUNT(*) FROM jobs {joined} ({_BEFORE[query.sort]})"
    (n,) = db.execute(before, [*args, *_keys(query.sort, job_id, row[0], row[1])]).fetchone()
    return int(n)
