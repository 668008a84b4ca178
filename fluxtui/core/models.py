"""Plain data shared by the engine, the store, the CLI and the TUI.

A `GenerationRequest` goes into the engine; `JobEvent`s come out. A `Handle` (`results.py`) is
what a provider gave back on submit (ids and URLs, never a key), so that a job can be resumed from
the store after a crash.

Parameter names in `GenerationRequest.params` are the *canonical* names, which are BFL's (the lingua
franca of the FLUX services): width, height, aspect_ratio, seed, steps, guidance, safety_tolerance,
output_format, transparent_bg, num_images, prompt_upsampling, image_prompt, image_prompt_strength,
raw, interval, acceleration, enable_safety_checker, webhook_url, webhook_secret. Each adapter maps
them onto its own wire form (fal: steps -> num_inference_steps, width/height -> image_size; BFL's
flux-2-pro: prompt_upsampling -> disable_pup, ...). `extra` holds fields the user passes through
verbatim (`--param key=value`). `inputs` are the input images (`input_images.InputImage`: an image
to edit, references, a Fill mask), resolved and checked before the request is made.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from fluxtui.core.input_images import InputImage
from fluxtui.core.job_ids import id_matches as id_matches
from fluxtui.core.job_ids import new_job_id
from fluxtui.core.job_ids import short_id as short_id
from fluxtui.core.results import Handle, ProviderResult, ReportedCost


class JobState(StrEnum):
    """One unified life cycle for every provider's job."""

    PENDING = "pending"  # created, not sent yet
    SUBMITTED = "submitted"  # the provider accepted it
    QUEUED = "queued"  # waiting in the provider's queue (maybe with a position)
    RUNNING = "running"  # generating (maybe with progress / logs)
    DOWNLOADING = "downloading"  # result ready, copying the image(s) to disk
    DONE = "done"
    FAILED = "failed"
    MODERATED = "moderated"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    TIMED_OUT = "timed_out"
    # The run stopped, but the job is not over: the provider may still hold a paid result.
    UNREACHABLE = "unreachable"  # the provider stopped answering before the deadline; resumable
    CACHED = "cached"  # the image is safe in the cache dir; the library could not be written
    UNCERTAIN = "uncertain"  # the submit may have been taken (and charged); the user decides

    @property
    def is_terminal(self) -> bool:
        """The run ended: nothing more happens to the job unless it is resumed or retried."""
        return self in TERMINAL_STATES

    @property
    def is_resumable(self) -> bool:
        """Ended for now, but `resume` carries it on without sending anything new."""
        return self in RESUMABLE_STATES

    @property
    def label(self) -> str:
        """Human words for the state ("timed out" rather than "timed_out")."""
        return STATE_LABELS.get(self, self.value.replace("_", " "))


TERMINAL_STATES = frozenset(
    {
        JobState.DONE,
        JobState.FAILED,
        JobState.MODERATED,
        JobState.CANCELLED,
        JobState.EXPIRED,
        JobState.TIMED_OUT,
        JobState.UNREACHABLE,
        JobState.CACHED,
        JobState.UNCERTAIN,
    }
)
#: ended runs that `resume` picks up by itself (an uncertain submit waits for the user's word)
RESUMABLE_STATES = frozenset({JobState.UNREACHABLE, JobState.CACHED})
#: short enough for a table's state column (its detail says the rest)
STATE_LABELS = {JobState.CACHED: "in cache", JobState.TIMED_OUT: "timed out"}


class ErrorKind(StrEnum):
    """Why a job or a request failed; decides retries, exit codes and how a state reads."""

    INVALID = "invalid"  # refused before sending (client-side validation, bad config)
    AUTH = "auth"  # 401/403: the key was rejected
    CREDITS = "credits"  # 402: out of credits
    VALIDATION = "validation"  # 400/422 from the provider
    RATE_LIMITED = "rate_limited"  # 429
    SERVER = "server"  # 5xx
    TRANSPORT = "transport"  # connection refused/reset/timeout
    MODERATED = "moderated"  # input or output refused by the safety filter
    NOT_FOUND = "not_found"  # unknown or expired job id / result URL
    BAD_RESPONSE = "bad_response"  # the provider answered something we cannot read
    FAILED = "failed"  # the provider says the generation failed
    TIMEOUT = "timeout"  # our own deadline passed
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"  # the process died at a point that cannot be resumed
    STORAGE = "storage"  # a paid image could not be written anywhere (library nor cache)


@dataclass(frozen=True)
class JobError:
    """What went wrong, in words a user can act on. Never holds a key."""

    kind: ErrorKind
    message: str
    status_code: int | None = None
    request_id: str | None = None  # the provider's request id, users quote it to support
    raw_status: str | None = None  # the provider's own status string, when there is one

    def to_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, ErrorKind) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobError:
        return cls(**{**data, "kind": ErrorKind(data["kind"])})


@dataclass(frozen=True)
class GenerationRequest:
    """What the user asked for, provider-neutral apart from `provider`, `model` and `extra`."""

    prompt: str
    provider: str
    model: str
    params: dict[str, Any] = field(default_factory=dict)  # canonical names, see module doc
    extra: dict[str, Any] = field(default_factory=dict)  # verbatim wire fields (--param)
    inputs: tuple[InputImage, ...] = ()  # input images and the mask, in the order given

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def replace(self, **changes: Any) -> GenerationRequest:
        inputs: tuple[InputImage, ...] = changes.pop("inputs", self.inputs)
        data = {**self.to_dict(), **changes, "inputs": [i.to_dict() for i in inputs]}
        return GenerationRequest.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "prompt": self.prompt,
            "provider": self.provider,
            "model": self.model,
            "params": dict(self.params),
            "extra": dict(self.extra),
        }
        if self.inputs:
            data["inputs"] = [image.to_dict() for image in self.inputs]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GenerationRequest:
        return cls(
            prompt=data["prompt"],
            provider=data["provider"],
            model=data["model"],
            params=dict(data.get("params") or {}),
            extra=dict(data.get("extra") or {}),
            inputs=tuple(InputImage.from_dict(i) for i in data.get("inputs") or ()),
        )


@dataclass(frozen=True)
class StatusUpdate:
    """One observation of a job at the provider (a poll answer or a stream event).

    `state` is QUEUED or RUNNING while the job goes on; DOWNLOADING means "the result is ready"
    (with `result` when the status answer carried it, as BFL's does); a terminal state
    (FAILED, MODERATED, EXPIRED, CANCELLED) comes with `error`.
    """

    state: JobState
    raw_status: str
    queue_position: int | None = None
    progress: float | None = None  # 0..1
    log: str | None = None  # the latest log line
    result: ProviderResult | None = None
    error: JobError | None = None


@dataclass(frozen=True)
class StateChange:
    """One entry of a job's history."""

    state: JobState
    at: float
    detail: str | None = None
    #: QUEUED: the queue position the provider gave then (0: next)
    position: int | None = None
    #: DOWNLOADING, found by polling: when the poll before (not ready yet) was answered; the
    #: result became ready between the two
    since: float | None = None

    def to_dict(self) -> dict[str, Any]:
        extra = {k: v for k in ("position", "since") if (v := getattr(self, k)) is not None}
        return {"state": str(self.state), "at": self.at, "detail": self.detail, **extra}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StateChange:
        """One entry as stored (older files lack `position` and `since`)."""
        state, detail = JobState(data["state"]), data.get("detail")
        return cls(state, data["at"], detail, data.get("position"), data.get("since"))


class Timeline:
    """Timings read off a job's state history; shared by `Job` and `JobSnapshot`."""

    created_at: float
    state: JobState
    history: Sequence[StateChange]

    def first_time(self, *states: JobState) -> float | None:
        """When the job first entered any of `states`."""
        return next((c.at for c in self.history if c.state in states), None)

    def last_time(self, *states: JobState) -> float | None:
        """When the job last entered any of `states` (a job sent again enters them again)."""
        return next((c.at for c in reversed(self.history) if c.state in states), None)

    @property
    def finished_at(self) -> float | None:
        return self.history[-1].at if self.state.is_terminal and self.history else None

    def timings(self) -> dict[str, float | None]:
        """Seconds spent queued, running, downloading, and in all; None where unknown."""
        submitted = self.first_time(JobState.SUBMITTED)
        running = self.first_time(JobState.RUNNING)
        downloading = self.first_time(JobState.DOWNLOADING)
        end = self.finished_at

        def span(a: float | None, b: float | None) -> float | None:
            return round(b - a, 3) if a is not None and b is not None and b >= a else None

        after_queue = running or downloading
        return {
            "submit": span(self.created_at, submitted),
            "queued": span(submitted, after_queue),
            "running": span(running, downloading) if running else None,
            "download": span(downloading, end),
            "total": span(self.created_at, end),
        }


@dataclass
class Job(Timeline):
    """A request on its way through a provider, and everything learnt about it.

    Mutable, and owned by the core (the engine while it runs the job, the store between runs).
    The faces see `JobSnapshot`s: `job.snapshot()`, or the one each `JobEvent` carries.
    """

    id: str
    request: GenerationRequest
    state: JobState = JobState.PENDING
    created_at: float = field(default_factory=time.time)
    handle: Handle | None = None
    history: list[StateChange] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    seed: int | None = None
    width: int | None = None
    height: int | None = None
    error: JobError | None = None
    queue_position: int | None = None
    #: seconds one place in its provider's queue takes, learnt from the store (None: unknown)
    place_s: float | None = None
    progress: float | None = None
    log: str | None = None
    group_id: str | None = None  # a comparison this job belongs to
    demo: bool = False  # ran on the built-in simulator: nothing was paid
    cost: ReportedCost | None = None  # what the provider said it costs (quote, then settled)

    @classmethod
    def create(
        cls, request: GenerationRequest, *, group_id: str | None = None, demo: bool = False
    ) -> Job:
        now = time.time()
        job = cls(id=new_job_id(now), request=request, created_at=now, group_id=group_id, demo=demo)
        job.history.append(StateChange(JobState.PENDING, now))
        return job

    def snapshot(self) -> JobSnapshot:
        """An immutable copy of what a face may show; safe to keep while the job goes on."""
        return JobSnapshot(
            id=self.id,
            request=self.request,
            state=self.state,
            created_at=self.created_at,
            history=tuple(self.history),
            files=tuple(self.files),
            seed=self.seed,
            width=self.width,
            height=self.height,
            error=self.error,
            queue_position=self.queue_position,
            place_s=self.place_s,
            progress=self.progress,
            log=self.log,
            group_id=self.group_id,
            demo=self.demo,
            submitted=self.handle is not None,
            cost=self.cost,
        )


@dataclass(frozen=True)
class JobSnapshot(Timeline):
    """A job as it stood at one moment: what the TUI and the CLI show. Never changes."""

    id: str
    request: GenerationRequest
    state: JobState
    created_at: float
    history: tuple[StateChange, ...] = ()
    files: tuple[str, ...] = ()
    seed: int | None = None
    width: int | None = None
    height: int | None = None
    error: JobError | None = None
    queue_position: int | None = None
    place_s: float | None = None  # see `Job.place_s`
    progress: float | None = None
    log: str | None = None
    group_id: str | None = None
    demo: bool = False
    submitted: bool = False  # the provider took it (it has a handle): a retry would pay again
    cost: ReportedCost | None = None  # what the provider said it costs (see `Job.cost`)


@dataclass(frozen=True)
class JobEvent:
    """What the engine tells its listeners: a job changed. `job` is a snapshot, safe to keep."""

    job: JobSnapshot
    at: float
    detail: str | None = None

    @property
    def job_id(self) -> str:
        return self.job.id

    @property
    def state(self) -> JobState:
        return self.job.state

    @property
    def queue_position(self) -> int | None:
        return self.job.queue_position

    @property
    def progress(self) -> float | None:
        return self.job.progress

    @property
    def log(self) -> str | None:
        return self.job.log

    @property
    def files(self) -> tuple[str, ...]:
        return self.job.files

    @property
    def error(self) -> JobError | None:
        return self.job.error
