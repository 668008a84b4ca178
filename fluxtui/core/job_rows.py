"""Jobs as rows of the store's `jobs` table, and library queries as SQL: the pure half of the store.

`JobQuery` is what the library asks for (filters, a sort, a page); `where` turns it into a WHERE
clause with its arguments; `to_row`/`from_row` convert a `Job` to and from its row.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from fluxtui.core.models import (
    TIME_DIGITS,
    GenerationRequest,
    Job,
    JobError,
    JobState,
    StateChange,
)
from fluxtui.core.results import Handle, ReportedCost

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


def insert_sql(row: dict[str, Any]) -> str:
    """INSERT of a job row's columns, as named parameters."""
    return f"INSERT INTO jobs ({', '.join(row)}) VALUES ({', '.join(f':{c}' for c in row)})"


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def id_clause(prefix: str) -> tuple[str, list[Any]]:
    """WHERE text for the jobs a typed id names: their id starts with it, or the random digits
    after the time do (`models.id_matches`, in SQL)."""
    pattern = like_escape(prefix) + "%"
    timed = f"length(id) >= {TIME_DIGITS + 6} AND id NOT GLOB '*[^0-9a-f]*'"
    tail = f"substr(id, {TIME_DIGITS + 1}) LIKE ? ESCAPE '\\'"
    return f"(id LIKE ? ESCAPE '\\' OR ({timed} AND {tail}))", [pattern, pattern]


def _search_words(search: str | None) -> tuple[list[str], list[Any]]:
    """One `prompt LIKE` clause per word: every word must appear, in any case, anywhere."""
    words = (search or "").split()
    return ["prompt LIKE ? ESCAPE '\\'"] * len(words), [f"%{like_escape(w)}%" for w in words]


def search_clause(search: str | None, since: float | None = None) -> tuple[str, list[Any]]:
    clauses, args = _search_words(search)
    if since is not None:
        clauses.append("created_at >= ?")
        args.append(since)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), args


def where(query: JobQuery) -> tuple[str, list[Any]]:
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


def image_seconds(job: Job) -> float | None:
    """Seconds from creation to the saved image; None unless the job is done."""
    return job.timings()["total"] if job.state is JobState.DONE else None


def to_row(job: Job) -> dict[str, Any]:
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
        "image_s": image_seconds(job),
        "cost": json.dumps(job.cost.to_dict()) if job.cost else None,
    }


def from_row(columns: list[str], values: tuple[Any, ...]) -> Job:
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
        cost=ReportedCost.from_dict(json.loads(row["cost"])) if row.get("cost") else None,
    )
