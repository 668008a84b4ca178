"""The prompt search index (schema 7): an FTS5 table over the jobs' prompts, kept by triggers.

`jobs_fts` is an external-content FTS5 table on `jobs` (it stores no copy of the prompts, only
the index) with the trigram tokenizer, so that any run of three or more characters is found
wherever it stands in a word, as the plain `prompt LIKE '%word%'` search always found it. What it
indexes is `jobs.prompt_folded`, a virtual generated column: `lower(prompt)`, which folds ASCII
letters only, as LIKE does; the tokenizer is case-sensitive and the query is `lower()`-ed too. So
a word matches exactly the rows LIKE matches (`Über` is not `über` for either), by construction.
Triggers on insert, delete and a changed prompt keep the index in step with `jobs`; the store's
many state-change rewrites of a row (same prompt) do not touch it.

A word shorter than three characters has no trigram: it is matched by `LIKE` alone (over the
rows the longer words picked, or over every row when there are none). The user's words are quoted
as FTS5 strings: `AND`, `"`, `*`, `NEAR(` typed in a search are text, never query syntax.

Where SQLite has no FTS5 or no trigram tokenizer (before 3.34), there is no index and the search
scans the prompts with `LIKE` as before: `unavailable()` says why (`fluxtui doctor` prints it).
A prefix query over word tokens would be the other way out, but it misses words inside words
("fox" in "firefox"), so it would change what a search finds.

The index follows `jobs.rowid`, which SQLite renumbers only on `VACUUM` (fluxtui never runs one);
after one, `rebuild` makes the index again.
"""

from __future__ import annotations

import functools
import sqlite3
from typing import Any

TABLE = "jobs_fts"
#: the shortest word the index can find (a trigram)
MIN_INDEXED = 3

#: a word matching more rows than this many times a page is found walking the jobs newest first
#: (checking each against the index's rows) rather than by sorting every row the index gives
DENSE = 20
COLUMN = "prompt_folded"
ADD_COLUMN = (
    f"ALTER TABLE jobs ADD COLUMN {COLUMN} TEXT GENERATED ALWAYS AS (lower(prompt)) VIRTUAL"
)
SCHEMA = f"""
CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(
    {COLUMN}, content='jobs', content_rowid='rowid', tokenize='trigram case_sensitive 1'
);
CREATE TRIGGER IF NOT EXISTS jobs_fts_insert AFTER INSERT ON jobs BEGIN
    INSERT INTO {TABLE} (rowid, {COLUMN}) VALUES (new.rowid, new.{COLUMN});
END;
CREATE TRIGGER IF NOT EXISTS jobs_fts_delete AFTER DELETE ON jobs BEGIN
    INSERT INTO {TABLE} ({TABLE}, rowid, {COLUMN}) VALUES ('delete', old.rowid, old.{COLUMN});
END;
CREATE TRIGGER IF NOT EXISTS jobs_fts_update AFTER UPDATE OF prompt ON jobs
WHEN old.prompt IS NOT new.prompt BEGIN
    INSERT INTO {TABLE} ({TABLE}, rowid, {COLUMN}) VALUES ('delete', old.rowid, old.{COLUMN});
    INSERT INTO {TABLE} (rowid, {COLUMN}) VALUES (new.rowid, new.{COLUMN});
END;
"""
#: the library's keyset pages walk (created_at, id): see `job_rows.keyset_clause`
KEYSET_INDEX = "CREATE INDEX IF NOT EXISTS jobs_by_created_id ON jobs (created_at, id)"


@functools.cache
def unavailable() -> str | None:
    """Why this SQLite cannot index prompts (None when it can): no FTS5, or no trigram."""
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("CREATE VIRTUAL TABLE probe USING fts5(x, tokenize='trigram')")
    except sqlite3.OperationalError as exc:
        missing = "FTS5" if "fts5" in str(exc).lower() else "FTS5's trigram tokenizer (3.34+)"
        return f"SQLite {sqlite3.sqlite_version} has no {missing}: prompt search scans every job"
    finally:
        probe.close()
    return None


def present(db: sqlite3.Connection) -> bool:
    """Whether the file has the index (a store made where SQLite could not build it has not)."""
    row = db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (TABLE,)).fetchone()
    return row is not None


def install(db: sqlite3.Connection) -> None:
    """Schema 6 -> 7, idempotent and keyed on what the file has: the keyset index, and where
    SQLite can, the index with its triggers, built from the stored prompts if it is new."""
    db.execute(KEYSET_INDEX)
    if unavailable() is not None:
        return
    columns = {row[1] for row in db.execute("PRAGMA table_xinfo(jobs)")}
    if COLUMN not in columns:
        db.execute(ADD_COLUMN)
    new = not present(db)
    for statement in _statements(SCHEMA):
        db.execute(statement)
    if new:
        rebuild(db)


def rebuild(db: sqlite3.Connection) -> None:
    """Index every stored prompt afresh (after a VACUUM, or to build it)."""
    db.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('rebuild')")


def indexed_words(words: list[str]) -> list[str]:
    """The words the index can find (three characters or more)."""
    return [w for w in words if len(w) >= MIN_INDEXED]


def match_query(words: list[str]) -> str:
    """The FTS5 query for rows holding every word: each one an FTS5 string (its quotes doubled),
    which the index reads as text only; side by side, they must all match. `lower()` it in SQL."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def match_clause(words: list[str], dense: bool = False) -> tuple[str, list[Any]]:
    """The clause picking the rows that hold every word of `words` (all indexable).

    `dense` (the words match many rows): the query walks the jobs in the page's order and checks
    each against the index's rows, stopping at the page's end, instead of sorting them all.
    """
    rowid = "+jobs.rowid" if dense else "jobs.rowid"
    sql = f"{rowid} IN (SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH lower(?))"
    return sql, [match_query(words)]


def count(db: sqlite3.Connection, words: list[str]) -> int:
    """How many jobs hold every word of `words` (all indexable), from the index alone."""
    sql = f"SELECT COUNT(*) FROM {TABLE} WHERE {TABLE} MATCH lower(?)"
    (n,) = db.execute(sql, (match_query(words),)).fetchone()
    return int(n)


def _statements(script: str) -> list[str]:
    """The statements of `script`: a trigger's body keeps its own semicolons."""
    statements, current = [], ""
    for part in script.split(";"):
        current += part + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n;"):
                statements.append(current.strip())
            current = ""
    return statements
