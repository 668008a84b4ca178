"""What a batch leaves behind: its images under `--out` (named by `name` or line number), the
JSON it prints with `--json`, `batch.csv`, and the summary.

`batch.csv` has one row per line of the file, in order: line, name, prompt, state, files (the
library's, `;`-separated), out (the copies under `--out`), seed, provider, model, job, the
timings in seconds (submit, queued, running, download, total), cost_usd and error.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fluxtui.core.batch_store import LineRow
from fluxtui.core.models import JobSnapshot, JobState
from fluxtui.core.pricing import PriceTable

CSV_COLUMNS = (
    "line",
    "name",
    "prompt",
    "state",
    "files",
    "out",
    "seed",
    "provider",
    "model",
    "job",
    "submit_s",
    "queued_s",
    "running_s",
    "download_s",
    "total_s",
    "cost_usd",
    "error",
)
#: how long a `name` may be in a file name (before its number and suffix)
NAME_CHARS = 80
#: the state of a line another fluxtui process follows (its job's lease, or it took the line
#: first): left to it
HELD = "held elsewhere"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class Line:
    """A line of the batch as this run sees it: its stored row, its job's last snapshot, the
    state it ends this run in, and the copies of its images under `--out`."""

    row: LineRow
    job: JobSnapshot | None = None
    state: str = "new"
    out: list[str] = field(default_factory=list)

    @property
    def made(self) -> bool:
        return self.job is not None and self.job.state in (JobState.DONE, JobState.CACHED)

    def error(self) -> str:
        if self.row.problem:
            return self.row.problem
        if self.job is not None and self.job.error is not None and not self.made:
            return self.job.error.message
        return ""


def safe_name(name: str) -> str:
    """`name` as a file name: letters, digits, `.`, `_` and `-` (others become `_`), no leading
    dot, at most NAME_CHARS; "" when nothing is left."""
    return _UNSAFE.sub("_", name).lstrip("._")[:NAME_CHARS].rstrip("._")


def stems(lines: Sequence[LineRow]) -> dict[str, str]:
    """Each line's file name stem under `--out`, by line key: its safe `name`, else its number
    (`0007`); a stem taken by an earlier line gets `-2`, `-3` …"""
    width = max(4, len(str(max((line.number for line in lines), default=0))))
    taken: set[str] = set()
    out: dict[str, str] = {}
    for line in lines:
        stem = safe_name(line.name or "") or f"{line.number:0{width}d}"
        unique, n = stem, 1
        while unique.lower() in taken:
            n += 1
            unique = f"{stem}-{n}"
        taken.add(unique.lower())
        out[line.key] = unique
    return out


def place(files: Sequence[str], folder: Path, stem: str) -> list[str]:
    """Link (else copy) a job's images into `folder` as `stem.ext` (`stem-2.ext` … for more);
    an image no longer in the library is skipped."""
    folder.mkdir(parents=True, exist_ok=True)
    placed = []
    for n, name in enumerate(files, 1):
        source = Path(name)
        if not source.is_file():
            continue
        target = folder / f"{stem if n == 1 else f'{stem}-{n}'}{source.suffix}"
        target.unlink(missing_ok=True)
        try:
            os.link(source, target)
        except OSError:  # another file system, or links not allowed
            shutil.copy2(source, target)
        placed.append(str(target))
    return placed


def line_json(line: Line, prices: PriceTable) -> dict[str, Any]:
    """A finished line as `--json` prints it."""
    job = line.job
    return {
        "event": "line",
        "line": line.row.number,
        "name": line.row.name,
        "state": line.state,
        "job": job.id if job else None,
        "provider": job.request.provider if job else None,
        "model": job.request.model if job else None,
        "files": list(job.files) if job and line.made else [],
        "out": line.out,
        "seed": job.seed if job else None,
        "timings": job.timings() if job else None,
        "cost": prices.cost_of(job).to_dict() if job else None,
        "error": line.error() or None,
    }


def write_csv(path: Path, lines: Sequence[Line], prices: PriceTable) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for line in lines:
            writer.writerow(_csv_row(line, prices))
    return path


def _csv_row(line: Line, prices: PriceTable) -> list[Any]:
    job = line.job
    timings: dict[str, float | None] = job.timings() if job else {}
    cost = prices.cost_of(job).usd if job else None
    return [
        line.row.number,
        line.row.name or "",
        line.row.prompt,
        line.state,
        ";".join(job.files) if job and line.made else "",
        ";".join(line.out),
        job.seed if job and job.seed is not None else "",
        job.request.provider if job else "",
        job.request.model if job else "",
        job.id if job else "",
        *(_blank(timings.get(key)) for key in ("submit", "queued", "running", "download", "total")),
        _blank(cost),
        line.error(),
    ]


def _blank(value: float | None) -> float | str:
    return "" if value is None else value
