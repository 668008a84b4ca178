"""How long a provider's jobs take, learnt from the store's finished jobs.

A job's *ready time* is the seconds from its (latest) submit to the status that said its result
was ready (DOWNLOADING). Jobs are grouped by provider, model and `bucket` (the image's size in
quarter megapixels and its steps: what changes a FLUX job's length), and by demo or not (the
simulator teaches nothing about a real service).

`History` reads the store once per provider+model (one query on the `jobs_by_provider` index,
newest `SAMPLE` finished jobs), keeps the figures, and adds each job that finishes in this process
(`learn`): polling never queries the store. `stats` is what `fluxtui providers --stats` prints.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from fluxtui.core.job_rows import JobQuery
from fluxtui.core.models import GenerationRequest, Job, JobState, Timeline
from fluxtui.core.store import Store

#: finished jobs of a bucket before their ready times shape the schedule
MIN_JOBS = 20
#: the newest finished jobs of a provider+model that are read (and kept) per bucket
SAMPLE = 200
#: the newest finished jobs `stats` reads
STATS_SAMPLE = 5000


def ready_seconds(job: Timeline) -> float | None:
    """Seconds from the job's latest submit to its result being ready; None if it never was."""
    ready = job.first_time(JobState.DOWNLOADING)
    if ready is None:
        return None
    submits = [c.at for c in job.history if c.state is JobState.SUBMITTED and c.at <= ready]
    return ready - submits[-1] if submits else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def bucket(request: GenerationRequest) -> str:
    """The group a job's length is learnt in: "1.00MP/28 steps", "16:9/default steps", ..."""
    width, height = _number(request.param("width")), _number(request.param("height"))
    if width and height:
        size = f"{round(width * height / 250_000) / 4:.2f}MP"
    else:
        size = str(request.param("aspect_ratio") or request.param("image_size") or "default size")
    steps = _number(request.param("num_inference_steps") or request.param("steps"))
    return f"{size}/{f'{steps:.0f}' if steps else 'default'} steps"


@dataclass(frozen=True)
class Durations:
    """The ready times of one bucket, sorted."""

    seconds: tuple[float, ...]

    @classmethod
    def of(cls, values: Iterable[float]) -> Durations:
        return cls(tuple(sorted(values)))

    def quantile(self, q: float) -> float:
        """The `q` quantile (0..1), interpolated between neighbours."""
        values = self.seconds
        at = q * (len(values) - 1)
        low = math.floor(at)
        high = min(low + 1, len(values) - 1)
        return values[low] + (values[high] - values[low]) * (at - low)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


class History:
    """The ready times the store knows, per provider, model and bucket; read once, then kept."""

    def __init__(self, store: Store, *, demo: bool, min_jobs: int = MIN_JOBS):
        self.store = store
        self.demo = demo
        self.min_jobs = min_jobs
        self._known: dict[tuple[str, str], dict[str, list[float]]] = {}
        #: how many times the store was read (one per provider+model)
        self.queries = 0

    def durations(self, request: GenerationRequest) -> Durations | None:
        """The learnt ready times of jobs like `request`; None with fewer than `min_jobs`."""
        seconds = self._buckets(request.provider, request.model).get(bucket(request), [])
        return Durations.of(seconds) if len(seconds) >= self.min_jobs else None

    def learn(self, job: Job) -> None:
        """Count a job that finished here (its provider+model's figures, once they are read)."""
        known = self._known.get((job.request.provider, job.request.model))
        seconds = ready_seconds(job)
        if known is None or seconds is None or job.demo != self.demo:
            return
        group = known.setdefault(bucket(job.request), [])
        group.append(seconds)
        del group[:-SAMPLE]

    def _buckets(self, provider: str, model: str) -> dict[str, list[float]]:
        known = self._known.get((provider, model))
        if known is None:
            self.queries += 1
            query = JobQuery(provider=provider, model=model, state=JobState.DONE, limit=SAMPLE)
            known = self._known[provider, model] = group(
                job for job in reversed(self.store.jobs(query)) if job.demo == self.demo
            )
        return known


def group(jobs: Iterable[Job]) -> dict[str, list[float]]:
    """Ready times by bucket, in the order given."""
    groups: dict[str, list[float]] = {}
    for job in jobs:
        seconds = ready_seconds(job)
        if seconds is not None:
            groups.setdefault(bucket(job.request), []).append(seconds)
    return groups


@dataclass(frozen=True)
class ModelStats:
    """One line of `fluxtui providers --stats`."""

    provider: str
    model: str
    demo: bool
    jobs: int
    median_s: float
    p90_s: float

    def to_dict(self) -> dict[str, object]:
        return {
            "provider": self.provider,
            "model": self.model,
            "demo": self.demo,
            "jobs": self.jobs,
            "median_s": round(self.median_s, 3),
            "p90_s": round(self.p90_s, 3),
        }


def stats(store: Store) -> list[ModelStats]:
    """Median and p90 ready time per provider+model (demo jobs apart) over the newest
    `STATS_SAMPLE` finished jobs; real jobs first."""
    groups: dict[tuple[bool, str, str], list[float]] = {}
    for job in store.jobs(JobQuery(state=JobState.DONE, limit=STATS_SAMPLE)):
        seconds = ready_seconds(job)
        if seconds is not None:
            key = (job.demo, job.request.provider, job.request.model)
            groups.setdefault(key, []).append(seconds)
    rows = []
    for (demo, provider, model), values in sorted(groups.items()):
        durations = Durations.of(values)
        rows.append(
            ModelStats(
                provider, model, demo, len(values), durations.median, durations.quantile(0.9)
            )
        )
    return rows
