"""The library: every generated job, paged, searched and filtered (for `history` and the TUI).

The queries themselves are `Store.jobs(JobQuery(...))` and `Store.count(...)`; this module adds a
page (the jobs plus the total the filters match), the date words users type for `--since`, and a
job's lineage (`lineage`: its parents and children through input images; `chain`: its ancestry).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from fluxtui.core.errors import FluxtuiError
from fluxtui.core.inputs import shown
from fluxtui.core.job_rows import JobQuery
from fluxtui.core.models import Job
from fluxtui.core.store import Store

_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
_UNIT_S = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
)


class WhenError(FluxtuiError, ValueError):
    """A date the user typed that cannot be read; the message shows what can be."""


def parse_when(text: str, now: float | None = None) -> float:
    """A moment as unix time, from "today", "yesterday", "30m"/"2h"/"7d"/"2w" (that long ago),
    "2025-06-01" (local midnight) or "2025-06-01 14:30"."""
    now = time.time() if now is None else now
    word = text.strip().lower()
    midnight = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
    if word == "today":
        return midnight.timestamp()
    if word == "yesterday":
        return (midnight - timedelta(days=1)).timestamp()
    match = _RELATIVE.match(word)
    if match:
        return now - float(match[1]) * _UNIT_S[match[2].lower()]
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).timestamp()
        except ValueError:
            continue
    raise WhenError(
        f"{shown(text)} is not a date: use today, yesterday, 30m, 2h, 7d, 2w, 2025-06-01 "
        "or '2025-06-01 14:30'"
    )


@dataclass(frozen=True)
class LibraryPage:
    """One page of the library: `jobs` from `offset`, and how many jobs the filters match."""

    jobs: list[Job]
    total: int
    offset: int
    limit: int | None


FIRST_PAGE = JobQuery(limit=100)


#: sorts whose order read backwards is another sort's (both by created_at, then id)
_REVERSED = {"newest": "oldest", "oldest": "newest"}


def page(store: Store, query: JobQuery = FIRST_PAGE) -> LibraryPage:
    """The jobs `query` selects (its page) and the count of all it matches. Blocking (SQLite): a
    UI calls it from a thread (the store's connection may be shared across threads)."""
    total = store.count(query)
    return LibraryPage(_jobs(store, query, total), total, query.offset, query.limit)


def _jobs(store: Store, query: JobQuery, total: int) -> list[Job]:
    """`store.jobs(query)`; a page by offset in the far half of `total` jobs (the end of the
    library, say) is read from the other end, reversed: an offset walks every job it skips."""
    if (
        query.limit is None
        or query.after is not None
        or query.sort not in _REVERSED
        or query.offset <= total // 2
    ):
        return store.jobs(query)
    end = min(query.offset + query.limit, total)
    if end <= query.offset:
        return []
    flipped = replace(
        query, sort=_REVERSED[query.sort], offset=total - end, limit=end - query.offset
    )
    return store.jobs(flipped)[::-1]


@dataclass(frozen=True)
class Lineage:
    """Where a job's input images came from, and which jobs took its images as inputs."""

    parents: list[Job]
    children: list[Job]


def lineage(store: Store, job_id: str) -> Lineage:
    """The stored parents of `job_id` (in the order of its inputs) and its children (oldest
    first). Blocking (SQLite)."""
    return Lineage(store.parents(job_id), store.children(job_id))


def chain(store: Store, job_id: str, limit: int = 100) -> list[Job]:
    """The job and its ancestors through each one's first parent, oldest first: an edit of an
    edit of a generation reads [generation, edit, edit of the edit]. At most `limit` jobs."""
    found: list[Job] = []
    current = store.get(job_id)
    while current is not None and len(found) < limit and current.id not in {j.id for j in found}:
        found.append(current)
        parents = store.parents(current.id)
        current = parents[0] if parents else None
    return found[::-1]
