"""The comparison table: one row per target, derived from the jobs (never stored twice).

Per target: time queued, running, downloading and in all (from `Job.timings()`), image size, file
size, price per image (None when the provider's price is unknown), dropped params, and the marks:
the fastest (least total time) and the cheapest (lowest known price) among the targets that made
an image. Ties mark every tied row.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from fluxtui.core.comparison import Comparison, ComparisonEntry, Target
from fluxtui.core.models import Job, JobSnapshot, JobState
from fluxtui.core.pricing import PriceTable

NOT_SENT = "not sent"


@dataclass(frozen=True)
class CompareRow:
    target: Target
    job_id: str | None
    state: str  # a JobState value, or "not sent"
    reason: str | None = None  # why it did not finish (the job's error, or its problems)
    queued_s: float | None = None
    running_s: float | None = None
    download_s: float | None = None
    total_s: float | None = None
    width: int | None = None
    height: int | None = None
    file_bytes: int | None = None  # all of the job's files together
    price_usd: float | None = None  # per image at this size; None: unknown
    dropped: tuple[str, ...] = ()
    seed: int | None = None
    files: tuple[str, ...] = ()
    fastest: bool = False
    cheapest: bool = False
    favourite: bool = False  # the image the user keeps as the best
    cell: str = ""  # a sweep's: its values on the axes ("guidance 3.5, steps 20")
    marks: tuple[str, ...] = field(default=(), compare=False)

    @property
    def done(self) -> bool:
        return self.state == JobState.DONE.value

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (no secrets: requests are not part of a row)."""
        return {
            "target": str(self.target),
            "provider": self.target.provider,
            "model": self.target.model,
            "job_id": self.job_id,
            "state": self.state,
            "reason": self.reason,
            "queued_s": self.queued_s,
            "running_s": self.running_s,
            "download_s": self.download_s,
            "total_s": self.total_s,
            "width": self.width,
            "height": self.height,
            "file_bytes": self.file_bytes,
            "price_usd": self.price_usd,
            "dropped": list(self.dropped),
            "seed": self.seed,
            "files": list(self.files),
            "fastest": self.fastest,
            "cheapest": self.cheapest,
            "favourite": self.favourite,
            "cell": self.cell or None,
        }


def rows(
    comparison: Comparison, jobs: Sequence[Job | JobSnapshot], prices: PriceTable
) -> list[CompareRow]:
    """The table of `comparison`, in its target order; `jobs` are its jobs (any order)."""
    by_id = {job.id: job for job in jobs}
    built = [
        replace(
            _row(entry, by_id.get(entry.job_id or ""), comparison, prices),
            cell=comparison.cell_text(entry),
        )
        for entry in comparison.entries
    ]
    return _mark(built, comparison.favourite)


def _row(
    entry: ComparisonEntry,
    job: Job | JobSnapshot | None,
    comparison: Comparison,
    prices: PriceTable,
) -> CompareRow:
    if job is None:
        reason = "; ".join(entry.problems) or "its job is no longer in the store"
        state = NOT_SENT if entry.job_id is None else "missing"
        return CompareRow(entry.target, entry.job_id, state, reason, dropped=entry.dropped)
    timings = job.timings()
    width = job.width or job.request.param("width")
    height = job.height or job.request.param("height")
    return CompareRow(
        target=entry.target,
        job_id=job.id,
        state=job.state.value,
        reason=job.error.message if job.error else None,
        queued_s=timings["queued"],
        running_s=timings["running"],
        download_s=timings["download"],
        total_s=timings["total"],
        width=job.width,
        height=job.height,
        file_bytes=_file_bytes(job.files),
        price_usd=prices.per_image(entry.target.provider, entry.target.model, width, height),
        dropped=entry.dropped,
        seed=job.seed if job.seed is not None else job.request.param("seed"),
        files=tuple(job.files),
    )


def _file_bytes(files: Sequence[str]) -> int | None:
    sizes = []
    for path in files:
        try:
            sizes.append(os.path.getsize(path))
        except OSError:
            return None
    return sum(sizes) if sizes else None


def _mark(table: list[CompareRow], favourite: str | None) -> list[CompareRow]:
    done = [r for r in table if r.done]
    totals = [r.total_s for r in done if r.total_s is not None]
    priced = [r.price_usd for r in done if r.price_usd is not None]
    fastest = min(totals) if totals else None
    cheapest = min(priced) if priced else None
    marked = []
    for row in table:
        is_fastest = row.done and fastest is not None and row.total_s == fastest
        is_cheapest = row.done and cheapest is not None and row.price_usd == cheapest
        is_favourite = row.job_id is not None and row.job_id == favourite
        flags = (("favourite", is_favourite), ("fastest", is_fastest), ("cheapest", is_cheapest))
        marks = tuple(mark for mark, on in flags if on)
        marked.append(
            replace(
                row, fastest=is_fastest, cheapest=is_cheapest, favourite=is_favourite, marks=marks
            )
        )
    return marked
