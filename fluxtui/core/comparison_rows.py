"""Comparisons as rows of the store's `comparisons` table (schema 2): one row per comparison, its
record as JSON; its jobs carry its id as `group_id`. The SQL lives here; `Store` calls it."""

from __future__ import annotations

import json
import sqlite3

from fluxtui.core import job_rows
from fluxtui.core.comparison import Comparison


def save(db: sqlite3.Connection, comparison: Comparison) -> None:
    db.execute(
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


def get(db: sqlite3.Connection, comparison_id: str) -> Comparison | None:
    row = db.execute("SELECT record FROM comparisons WHERE id = ?", (comparison_id,)).fetchone()
    return Comparison.from_dict(json.loads(row[0])) if row else None


def find(db: sqlite3.Connection, prefix: str) -> list[Comparison]:
    """Comparisons whose id starts with `prefix`, newest first (at most 10)."""
    cursor = db.execute(
        "SELECT record FROM comparisons WHERE id LIKE ? ESCAPE '\\' "
        "ORDER BY created_at DESC LIMIT 10",
        (job_rows.like_escape(prefix) + "%",),
    )
    return [Comparison.from_dict(json.loads(r)) for (r,) in cursor]


def page(
    db: sqlite3.Connection,
    search: str | None,
    since: float | None,
    limit: int | None,
    offset: int,
) -> list[Comparison]:
    """Comparisons newest first; only those whose prompt holds every word of `search` and
    made at or after `since`, when given."""
    where, args = job_rows.search_clause(search, since)
    sql = f"SELECT record FROM comparisons {where} ORDER BY created_at DESC"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        args += [limit, offset]
    return [Comparison.from_dict(json.loads(r)) for (r,) in db.execute(sql, args)]
