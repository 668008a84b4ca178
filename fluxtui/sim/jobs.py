"""Jobs and their clock-driven life: queued for ``queue_s``, running for ``run_s``, then done.

No background task moves a job along: every answer computes the job's phase from the clock.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from fluxtui.sim.directives import Directives, within
from fluxtui.sim.inputs import InputImage


class Phase(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(eq=False)
class Job:
    """One accepted generation request.

    ``text`` is the prompt without directives (drawn on the image); ``prompt`` is as sent.
    ``failure`` holds a service-specific reason the job ends without an image (e.g. fal's
    validation errors), decided at submit time; ``nsfw`` jobs deliver a black image.

    What a test reads back (``GET /_sim/jobs``): ``received`` is the body as sent, ``ignored``
    the fields of it the model does not take (accepted and dropped, as pydantic does by
    default), ``upsampled`` whether the prompt was upsampled, ``cost`` the credits quoted at
    submit, ``headers`` the ``X-Fal-*`` platform headers of the submit, ``foreign_polls`` the
    polls that reached a foreign host (``foreign_poll=1``) and whether they carried the key,
    ``inputs`` the input images it took (their bytes are drawn into its result; inline image
    data in ``received`` is replaced by ``sha256:HEX``).
    """

    id: str
    service: str
    model: str
    prompt: str
    text: str
    directives: Directives
    seed: int
    width: int
    height: int
    fmt: str
    queue_s: float
    run_s: float
    depth: int = 0
    num_images: int = 1
    params: dict[str, Any] = field(default_factory=dict)
    failure: Any = None
    nsfw: bool = False
    submits: int = 1
    key: str = ""  # the API key its submit came with (echoed by ``echo_key=1``)
    received: dict[str, Any] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    upsampled: bool = False
    transparent: bool = False
    cost: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    foreign_polls: list[dict[str, bool]] = field(default_factory=list)
    timed_out: bool = False  # fal: dropped because it could not start within its timeout
    inputs: list[InputImage] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    t0: float = field(default_factory=time.monotonic)
    cancelled: bool = False
    polls: int = 0
    downloads: int = 0
    drops: Counter[str] = field(default_factory=Counter)
    images: dict[int, bytes] = field(default_factory=dict)
    render_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def elapsed(self) -> float:
        return time.monotonic() - self.t0

    def phase(self) -> Phase:
        if self.cancelled:
            return Phase.CANCELLED
        elapsed = self.elapsed()
        if elapsed < self.queue_s:
            return Phase.QUEUED
        if elapsed < self.queue_s + self.run_s:
            return Phase.RUNNING
        return Phase.DONE

    def in_flight(self) -> bool:
        """Queued or running: what BFL's cap on active tasks counts."""
        return self.phase() in (Phase.QUEUED, Phase.RUNNING)

    def settled_cost(self) -> float | None:
        """Credits charged once the job is done: the quote for an image, 0 for a refusal or
        failure (not charged); None while it is in flight."""
        if self.in_flight():
            return None
        ready = self.directives.status in (None, "Ready")
        return self.cost if ready and not self.cancelled and self.failure is None else 0.0

    def remaining(self) -> float:
        """Seconds until the job is done."""
        return max(0.0, self.queue_s + self.run_s - self.elapsed())

    def progress(self) -> float:
        """Fraction of the running time spent, 0..1."""
        if self.run_s <= 0:
            return 1.0
        return min(1.0, max(0.0, (self.elapsed() - self.queue_s) / self.run_s))

    def queue_position(self) -> int:
        """``depth`` at submit, counting down to 0 in equal slices of the queue time."""
        if self.queue_s <= 0:
            return 0
        slice_s = self.queue_s / (self.depth + 1)
        return max(0, self.depth - math.floor(self.elapsed() / slice_s))

    @property
    def start_time(self) -> float:
        """Unix time the job starts running."""
        return self.created + self.queue_s

    @property
    def end_time(self) -> float:
        """Unix time the job is done."""
        return self.start_time + self.run_s

    def take_poll(self) -> int | None:
        """Count a status poll; the HTTP code it must answer by directive, if any."""
        self.polls += 1
        d = self.directives
        return d.poll if d.poll is not None and within(d.poll_times, self.polls) else None

    def take_garble(self) -> bool:
        """Whether this status poll (counted by `take_poll`) must answer with a broken body."""
        return self.directives.garble is not None and self.polls <= self.directives.garble

    def take_download(self) -> int | None:
        """Count an image download; the HTTP code it must answer by directive, if any."""
        self.downloads += 1
        d = self.directives
        if d.download is not None and within(d.download_times, self.downloads):
            return d.download
        return None

    def take_drop(self, stage: str) -> bool:
        """Count an answer at ``stage``; whether a directive says to drop the connection."""
        d = self.directives
        if d.drop != stage:
            return False
        if stage == "submit":  # every submit is a new job: count submits of the prompt
            return within(d.drop_times, self.submits)
        self.drops[stage] += 1
        return within(d.drop_times, self.drops[stage])


class JobStore:
    """All jobs of one simulator, and the submit attempts per (service, prompt)."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed)
        self.jobs: dict[str, Job] = {}
        self.attempts: Counter[tuple[str, str]] = Counter()

    def count_submit(self, service: str, prompt: str) -> int:
        """Record a submit attempt; returns its number (1-based) for this prompt."""
        self.attempts[service, prompt] += 1
        return self.attempts[service, prompt]

    def new_id(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def new_seed(self) -> int:
        return self._rng.randrange(2**32)

    def add(self, job: Job) -> Job:
        self.jobs[job.id] = job
        return job

    def get(self, job_id: str, services: tuple[str, ...]) -> Job | None:
        """The job with this id if it belongs to one of ``services``."""
        job = self.jobs.get(job_id)
        return job if job is not None and job.service in services else None

    def reset(self) -> None:
        self.jobs.clear()
        self.attempts.clear()

    def spent(self, service: str, key: str) -> float:
        """Credits the finished jobs of ``key`` on ``service`` were charged."""
        return sum(
            job.settled_cost() or 0.0
            for job in self.jobs.values()
            if job.service == service and job.key == key
        )

    def in_flight(self, service: str, key: str, model: str | None = None) -> int:
        """Jobs of ``key`` on ``service`` (of ``model``, when given) still queued or running."""
        return sum(
            1
            for job in self.jobs.values()
            if job.service == service
            and job.key == key
            and (model is None or job.model == model)
            and job.in_flight()
        )

    def listing(self) -> dict[str, Any]:
        """What ``GET /_sim/jobs`` answers."""
        return {
            "jobs": [
                {
                    "id": job.id,
                    "service": job.service,
                    "model": job.model,
                    "prompt": job.prompt,
                    "state": job.phase().value,
                    "submits": self.attempts[job.service, job.prompt],
                    "created": job.created,
                    "ready_at": job.end_time,
                    "polls": job.polls,
                    "received": job.received,
                    "ignored": job.ignored,
                    "upsampled": job.upsampled,
                    "format": job.fmt,
                    "size": [job.width, job.height],
                    "cost": job.cost,
                    "settled_cost": job.settled_cost(),
                    "headers": job.headers,
                    "foreign_polls": job.foreign_polls,
                    "timed_out": job.timed_out,
                    "inputs": [image.listing() for image in job.inputs],
                }
                for job in self.jobs.values()
            ],
            "submit_attempts": [
                {"service": service, "prompt": prompt, "count": count}
                for (service, prompt), count in self.attempts.items()
            ],
        }
