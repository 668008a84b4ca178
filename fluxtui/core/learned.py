"""How long a provider's jobs take, learnt from the store's finished jobs.

A job's *ready time* is the seconds from its (latest) submit to its result being ready: the
status that said so (DOWNLOADING), or, when polling found it, the middle between that poll and the
one before (which said "not yet"), so that the interval of the schedule that watched a job does
not make its kind look slower and more spread than it is. Jobs are grouped by provider, model and
`bucket` (the image's size in quarter megapixels and its steps: what changes a FLUX job's length),
and by demo or not (the simulator teaches nothing about a real service).

A queued job's *position time* is the seconds one place in the provider's queue took (fal gives
`queue_position`): from the first status that gave the job a position p to the job leaving the
queue, over p + 1 (the places ahead of it and its own). It is learnt per provider+model.

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
from fluxtui.core.models import GenerationRequest, Job, JobState, StateChange, Timeline
from fluxtui.core.store import Store

#: finished jobs of a bucket before their ready times shape the schedule
MIN_JOBS = 20
#: the newest finished jobs of a provider+model that are read (and kept) per bucket
SAMPLE = 200
#: the newest finished jobs `stats` reads
STATS_SAMPLE = 5000
#: queued jobs of a provider+model before their position time paces polls
MIN_QUEUED = 5


def _since_submit(job: Timeline) -> list[StateChange]:
    """The job's history from its latest submit on (empty if it was never submitted)."""
    history = list(job.history)
    starts = [i for i, c in enumerate(history) if c.state is JobState.SUBMITTED]
    return history[starts[-1] :] if starts else []


def ready_seconds(job: Timeline) -> float | None:
    """Seconds from the job's latest submit to its result being ready; None if it never was."""
    run = _since_submit(job)
    ready = next((c for c in run if c.state is JobState.DOWNLOADING), None)
    if ready is None:
        return None
    at = ready.at
    if ready.since is not None and run[0].at <= ready.since < at:
        at = (ready.since + at) / 2  # ready between the poll before and this one
    return at - run[0].at


def position_seconds(job: Timeline) -> float | None:
    """Seconds one queue position took for this job; None if no status gave it a position."""
    run = _since_submit(job)
    queued = next((c for c in run if c.state is JobState.QUEUED and c.position is not None), None)
    if queued is None or queued.position is None or queued.position < 0:
        return None
    left = (JobState.RUNNING, JobState.DOWNLOADING)
    out = next((c.at for c in run if c.state in left and c.at >= queued.at), None)
    return (out - queued.at) / (queued.position + 1) if out is not None else None


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
        self._queued: dict[tuple[str, str], list[float]] = {}
        #: how many times the store was read (one per provider+model)
        self.queries = 0

    def durations(self, request: GenerationRequest) -> Durations | None:
        """The learnt ready times of jobs like `request`; None with fewer than `min_jobs`."""
        seconds = self._buckets(request.provider, request.model).get(bucket(request), [])
        return Durations.of(seconds) if len(seconds) >= self.min_jobs else None

    def position_seconds(self, request: GenerationRequest) -> float | None:
        """The median seconds a queue position took for jobs of `request`'s provider+model;
        None with fewer than `MIN_QUEUED` queued jobs."""
        self._buckets(request.provider, request.model)
        seconds = self._queued[request.provider, request.model]
        return statistics.median(seconds) if len(seconds) >= MIN_QUEUED else None

    def learn(self, job: Job) -> None:
        """Count a job that finished here (its provider+model's figures, once they are read)."""
        key = (job.request.provider, job.request.model)
        known = self._known.get(key)
        if known is None or job.demo != self.demo:
            return
        seconds, per_position = ready_seconds(job), position_seconds(job)
        if seconds is not None:
            group = known.setdefault(bucket(job.request), [])
            group.append(seconds)
            del group[:-SAMPLE]
        if per_position is not None:
            queued = self._queued[key]
            queued.append(per_position)
            del queued[:-SAMPLE]

    def _buckets(self, provider: str, model: str) -> dict[str, list[float]]:
        known = self._known.get((provider, model))
        if known is None:
            self.queries += 1
            query = JobQuery(provider=provider, model=model, state=JobState.DONE, limit=SAMPLE)
            jobs = [job for job in reversed(self.store.jobs(query)) if job.demo == self.demo]
            known = self._known[provider, model] = group(jobs)
            times = (position_seconds(job) for job in jobs)
            self._queued[provider, model] = [s for s in times if s is not None]
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
    #: the median seconds a queue position took, over `queued` jobs that waited in a queue
    position_s: float | None = None
    queued: int = 0

    def to_dict(self) -> dict[str, object]:
        position = None if self.position_s is None else round(self.position_s, 3)
        return {
            "provider": self.provider,
            "model": self.model,
            "demo": self.demo,
            "jobs": self.jobs,
            "median_s": round(self.median_s, 3),
            "p90_s": round(self.p90_s, 3),
            "queued": self.queued,
            "position_s": position,
        }


def stats(store: Store) -> list[ModelStats]:
    """Median and p90 ready time, and the median position time, per provider+model (demo jobs
    apart) over the newest `STATS_SAMPLE` finished jobs; real jobs first."""
    groups: dict[tuple[bool, str, str], list[float]] = {}
    queues: dict[tuple[bool, str, str], list[float]] = {}
    for job in store.jobs(JobQuery(state=JobState.DONE, limit=STATS_SAMPLE)):
        key = (job.demo, job.request.provider, job.request.model)
        seconds, per_position = ready_seconds(job), position_seconds(job)
        if seconds is not None:
            groups.setdefault(key, []).append(seconds)
        if per_position is not None:
            queues.setdefault(key, []).append(per_position)
    rows = []
    for key, values in sorted(groups.items()):
        durations, queued = Durations.of(values), queues.get(key, [])
        position = statistics.median(queued) if queued else None
        median, p90 = durations.median, durations.quantile(0.9)
        rows.append(
            ModelStats(key[1], key[2], key[0], len(values), median, p90, position, len(queued))
        )
    return rows
