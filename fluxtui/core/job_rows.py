"""Jobs as rows of the store's `jobs` table, and library queries as SQL: the pure half of the store.

`JobQuery` is what the library asks for (filters, a sort, a page); `where` turns it into a WHERE
clause with its arguments (a search through the prompt index, `prompt_index`, where the file has
it); `to_row`/`from_row` convert a `Job` to and from its row.

A page is either the `limit` jobs after `offset` of them, or (newest and oldest first) the `limit`
jobs after the one `after` names, by (created_at, id): a keyset page, which costs the same
however deep it is and which jobs added meanwhile do not shift.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from fluxtui.core import prompt_index
from fluxtui.core.job_ids import TIME_DIGITS
from fluxtui.core.models import GenerationRequest, Job, JobError, JobState, StateChange
from fluxtui.core.results import Handle, ReportedCost

#: JobQuery.sort -> ORDER BY; "fastest"/"slowest" is time to image, jobs without one last
#: ("fastest" walks jobs_by_time_to_image; "slowest" sorts all rows, ~5 ms for 10,000 jobs: its
#: "+ 0" keeps SQLite from half-using that index, which costs ~25 ms there)
SORTS = {
    "newest": "created_at DESC, id DESC",
    "oldest": "created_at ASC, id ASC",
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
    #: (created_at, id) of the job the page starts after (KEYSET_SORTS only; then no offset)
    after: tuple[float, str] | None = None

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise ValueError(f"sort {self.sort!r} is not one of {', '.join(SORTS)}")
        if self.after is not None and self.sort not in KEYSET_SORTS:
            raise ValueError(f"sort {self.sort!r} has no keyset pages")


#: the sorts whose pages can start after a job (`JobQuery.after`): their order is (created_at, id)
KEYSET_SORTS = {"newest": "<", "oldest": ">"}


def keyset_clause(query: JobQuery) -> tuple[str, list[Any]]:
    """The condition that starts `query`'s page after the job `query.after` names ("" if none).
    It walks `jobs_by_created_id` from that job: no rows before it are read."""
    if query.after is None:
        return "", []
    created_at, job_id = query.after
    return f"(created_at, id) {KEYSET_SORTS[query.sort]} (?, ?)", [created_at, job_id]


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


def _search_words(
    search: str | None, indexed: bool = False, dense: bool = False
) -> tuple[list[str], list[Any]]:
    """Every word must appear in the prompt, in ASCII's either case, anywhere: `prompt LIKE`
    each; with `indexed` (the file has `prompt_index`), the words of three characters or more
    through the index instead (the same rows, without reading every prompt; `dense`: see
    `prompt_index.match_clause`)."""
    words = (search or "").split()
    clauses: list[str] = []
    args: list[Any] = []
    if indexed and (long := prompt_index.indexed_words(words)):
        clause, args = prompt_index.match_clause(long, dense)
        clauses.append(clause)
        words = [w for w in words if w not in long]
    clauses += ["prompt LIKE ? ESCAPE '\\'"] * len(words)
    return clauses, args + [f"%{like_escape(w)}%" for w in words]


def search_words(query: JobQuery) -> list[str]:
    """The words of `query`'s search that the prompt index can find."""
    return prompt_index.indexed_words((query.search or "").split())


def search_only(query: JobQuery) -> bool:
    """Whether `query` filters by its search alone, and the index can find every word of it:
    then the index alone counts its jobs."""
    words = (query.search or "").split()
    others = (query.provider, query.model, query.state, query.group_id, query.since, query.until)
    return (
        bool(words) and all(v is None or v == "" for v in others) and (search_words(query) == words)
    )


def search_clause(search: str | None, since: float | None = None) -> tuple[str, list[Any]]:
    clauses, args = _search_words(search)
    if since is not None:
        clauses.append("created_at >= ?")
        args.append(since)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), args


def where(query: JobQuery, indexed: bool = False, dense: bool = False) -> tuple[str, list[Any]]:
    """The WHERE text of `query`'s filters (not its page: see `keyset_clause`); `indexed`: search
    through the prompt index (`dense`: its words match many jobs)."""
    clauses, args = _search_words(query.search, indexed, dense)
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
