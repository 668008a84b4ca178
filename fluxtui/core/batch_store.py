"""The stored batches (`batch_schema`), read and written on a connection of their own to the job
store's file, which `Store` opens (and migrates) first.

A line's job is never made here: `Store.create` stores it with `batch_schema.take_line`, in one
transaction. This module keeps the rest: the batch, its lines as last read, and each line's state.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from fluxtui.core.comparison import new_comparison_id
from fluxtui.core.errors import StoreError
from fluxtui.core.job_rows import like_escape
from fluxtui.core.models import GenerationRequest
from fluxtui.core.store import BUSY_TIMEOUT_S, Store

BATCH_PREFIX = "bat-"

_P = ParamSpec("_P")
_R = TypeVar("_R")


@dataclass(frozen=True)
class Batch:
    id: str
    created_at: float
    source: str  # an absolute path, or "-" for stdin
    sha256: str
    options: dict[str, Any]


@dataclass(frozen=True)
class LineRow:
    """A line of a batch as stored: `request` None (and `problem` set) when it does not
    validate; `job_id` the job made for it, if one was."""

    key: str
    number: int
    prompt: str
    name: str | None = None
    request: GenerationRequest | None = None
    problem: str | None = None
    job_id: str | None = None
    state: str = "new"


def _readable(
    method: Callable[Concatenate[BatchStore, _P], _R],
) -> Callable[Concatenate[BatchStore, _P], _R]:
    @functools.wraps(method)
    def guarded(store: BatchStore, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(store, *args, **kwargs)
        except sqlite3.Error as exc:
            readable = StoreError.from_sqlite(store.path, exc, BUSY_TIMEOUT_S)
            if readable is None:
                raise
            raise readable from exc

    return guarded


class BatchStore:
    """The batch tables of the job store at `path`."""

    @_readable
    def __init__(self, path: Path):
        self.path = path
        Store(path).close()  # made, in WAL mode, and at the current schema
        self._db = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )

    def close(self) -> None:
        self._db.close()

    @_readable
    def create(self, source: str, sha256: str, options: dict[str, Any]) -> Batch:
        now = time.time()
        batch = Batch(
            BATCH_PREFIX + new_comparison_id(now).split("-", 1)[1], now, source, sha256, options
        )
        self._db.execute(
            "INSERT INTO batches (id, created_at, updated_at, source, sha256, options) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (batch.id, now, now, source, sha256, json.dumps(options)),
        )
        return batch

    @_readable
    def open_for(
        self, source: str, sha256: str, options: dict[str, Any], *, new: bool = False
    ) -> Batch:
        """The batch of `source` in the mode of `options` (its `demo`: `for_source`), brought up to
        date with `sha256` and `options` (the stored options stand where `options` has None);
        a new one when there is none, or when `new`. One transaction: two processes running the
        same file at once share one batch."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            found = None if new else self.for_source(source, bool(options.get("demo")), sha256)
            if found is None:
                batch = self.create(source, sha256, options)
            else:
                kept = {k: v for k, v in found.options.items() if options.get(k) is None}
                batch = self.update(found, sha256, {**options, **kept})
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return batch

    @_readable
    def update(self, batch: Batch, sha256: str, options: dict[str, Any]) -> Batch:
        self._db.execute(
            "UPDATE batches SET sha256 = ?, options = ?, updated_at = ? WHERE id = ?",
            (sha256, json.dumps(options), time.time(), batch.id),
        )
        return Batch(batch.id, batch.created_at, batch.source, sha256, options)

    @_readable
    def for_source(self, source: str, demo: bool, sha256: str) -> Batch | None:
        """The newest batch of `source` run in the same mode (demo or not); of stdin (`-`), the
        newest with the same text (`sha256`): a file is known by its path, stdin by what it
        held."""
        for batch in self._select("WHERE source = ? ORDER BY created_at DESC", (source,)):
            same = source != "-" or batch.sha256 == sha256
            if same and bool(batch.options.get("demo")) == demo:
                return batch
        return None

    @_readable
    def find(self, prefix: str) -> list[Batch]:
        """The batches whose id starts with `prefix` (with or without `bat-`), newest first."""
        if not prefix.startswith(BATCH_PREFIX):
            prefix = BATCH_PREFIX + prefix
        return self._select(
            "WHERE id LIKE ? ESCAPE '\\' ORDER BY created_at DESC LIMIT 10",
            (like_escape(prefix) + "%",),
        )

    @_readable
    def batches(self, limit: int | None = None) -> list[Batch]:
        """Every batch, newest first."""
        sql = "ORDER BY created_at DESC" + (f" LIMIT {int(limit)}" if limit else "")
        return self._select(sql, ())

    def _select(self, clause: str, args: tuple[Any, ...]) -> list[Batch]:
        cursor = self._db.execute(
            f"SELECT id, created_at, source, sha256, options FROM batches {clause}", args
        )
        return [Batch(i, c, s, h, json.loads(o)) for i, c, s, h, o in cursor]

    @_readable
    def set_lines(self, batch_id: str, lines: Iterable[LineRow]) -> None:
        """The batch's lines as the file now has them: a line kept (same key) keeps its job and
        state; a line no longer in the file keeps its row, with no number."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(
                "UPDATE batch_lines SET line_no = NULL WHERE batch_id = ?", (batch_id,)
            )
            self._db.executemany(
                "INSERT INTO batch_lines (batch_id, line_key, line_no, prompt, name, request, "
                "problem, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(batch_id, line_key) "
                "DO UPDATE SET line_no = excluded.line_no, name = excluded.name, "
                "prompt = excluded.prompt, problem = excluded.problem",
                [
                    (
                        batch_id,
                        line.key,
                        line.number,
                        line.prompt,
                        line.name,
                        json.dumps(line.request.to_dict()) if line.request else None,
                        line.problem,
                        "invalid" if line.problem else "new",
                    )
                    for line in lines
                ],
            )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @_readable
    def lines(self, batch_id: str) -> list[LineRow]:
        """The lines the batch's file had when last read, in file order."""
        cursor = self._db.execute(
            "SELECT line_key, line_no, prompt, name, request, problem, job_id, state "
            "FROM batch_lines WHERE batch_id = ? AND line_no IS NOT NULL ORDER BY line_no, "
            "line_key",
            (batch_id,),
        )
        return [
            LineRow(
                k, n, p, name, GenerationRequest.from_dict(json.loads(r)) if r else None, e, j, s
            )
            for k, n, p, name, r, e, j, s in cursor
        ]

    @_readable
    def set_state(self, batch_id: str, key: str, state: str) -> None:
        self._db.execute(
            "UPDATE batch_lines SET state = ? WHERE batch_id = ? AND line_key = ?",
            (state, batch_id, key),
        )

    @_readable
    def job_ids(self, batch_id: str) -> list[str]:
        """The jobs made for the batch's lines (those still in its file first, in line order)."""
        cursor = self._db.execute(
            "SELECT job_id FROM batch_lines WHERE batch_id = ? AND job_id IS NOT NULL "
            "ORDER BY line_no IS NULL, line_no",
            (batch_id,),
        )
        return [job_id for (job_id,) in cursor]
