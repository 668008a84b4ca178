"""The job runner: validate → submit → follow (stream or poll) → download → store, emitting events.

One `httpx.AsyncClient` and one concurrency limit per provider. GETs (status, result, downloads)
are retried on 429/5xx/transport errors with back-off; a paid submit is re-sent only when the
provider surely did not take it (429, or a connection that never opened). Every state change is
written to the store before listeners hear of it, so a crash at any point leaves a resumable row.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

import httpx

from fluxtui import __version__
from fluxtui.core import paths, provenance
from fluxtui.core.config import Config
from fluxtui.core.errors import InvalidRequest, ProviderError
from fluxtui.core.files import save_image
from fluxtui.core.models import (
    ErrorKind,
    GenerationRequest,
    Job,
    JobError,
    JobEvent,
    JobState,
    ProviderResult,
    StateChange,
    StatusUpdate,
)
from fluxtui.core.providers import create_provider
from fluxtui.core.providers.base import CancelOutcome, Provider
from fluxtui.core.schedule import PollSchedule, eta_from_progress
from fluxtui.core.store import JobQuery, Store

log = logging.getLogger("fluxtui.engine")
T = TypeVar("T")

SENDING = "sending"  # history detail written just before a paid submit goes out
SUBMIT_ATTEMPTS = 5
GET_ATTEMPTS = 6
MAX_BACKOFF_S = 30.0
MIN_FOLLOW_S = 60.0
#: how long providers keep result URLs (fal 1 h; BFL 10 min): older failed downloads are lost
RESULT_URL_LIFETIME_S = 3600.0
RETRYABLE_DOWNLOAD_ERRORS = frozenset(
    {ErrorKind.TRANSPORT, ErrorKind.SERVER, ErrorKind.RATE_LIMITED, ErrorKind.BAD_RESPONSE}
)

STATE_FOR_ERROR = {
    ErrorKind.MODERATED: JobState.MODERATED,
    ErrorKind.NOT_FOUND: JobState.EXPIRED,
    ErrorKind.TIMEOUT: JobState.TIMED_OUT,
    ErrorKind.CANCELLED: JobState.CANCELLED,
}

Listener = Callable[[JobEvent], None]


class Schedule(Protocol):
    def next_delay(
        self, elapsed: float, *, eta: float | None = None, retry_after: float | None = None
    ) -> float: ...


@dataclass
class _Control:
    """A running job's cancel switch."""

    cancel: asyncio.Event = field(default_factory=asyncio.Event)


class _Cancelled(Exception):
    """Raised inside a job's run when the user cancelled it."""


class Engine:
    """Runs jobs. Use as `async with Engine(config, store) as engine: await engine.generate(req)`."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        library: Path | None = None,
        schedule: Callable[[], Schedule] = PollSchedule,
        stream_status: bool = True,
        backoff_s: float = 0.5,
    ):
        self.config = config
        self.store = store
        self.library = library or paths.library_dir()
        self._schedule = schedule
        self._stream_status = stream_status
        self._backoff_s = backoff_s
        self._providers: dict[str, Provider] = {}
        self._limits: dict[str, asyncio.Semaphore] = {}
        self._controls: dict[str, _Control] = {}
        self._listeners: list[Listener] = []
        self._downloads = httpx.AsyncClient(
            timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=True, headers=_user_agent()
        )
        self.jobs: dict[str, Job] = {}  # the jobs this engine has run, by id

    async def __aenter__(self) -> Engine:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for provider in self._providers.values():
            await provider.client.aclose()
        await self._downloads.aclose()

    # ---- listeners ------------------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every JobEvent; returns a function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _emit(self, job: Job, detail: str | None = None) -> None:
        event = JobEvent(job=job.snapshot(), at=time.time(), detail=detail)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken listener must not break the job
                log.exception("a job listener failed")

    # ---- providers ------------------------------------------------------------------------------

    def provider(self, name: str) -> Provider:
        if name not in self._providers:
            settings = self.config.settings(name)
            client = httpx.AsyncClient(
                timeout=httpx.Timeout(30.0, connect=10.0),
                limits=httpx.Limits(max_connections=settings.concurrency * 2 + 4),
                headers=_user_agent(),
            )
            self._providers[name] = create_provider(settings, client)
            self._limits[name] = asyncio.Semaphore(settings.concurrency)
        return self._providers[name]

    def validate(self, request: GenerationRequest) -> list[str]:
        """Every problem with `request`, in words naming the field, value and rule."""
        if request.provider not in self.config.providers:
            return [f"unknown provider {request.provider!r}: one of {', '.join(self.config.providers)}"]
        return self.provider(request.provider).validate(request)

    # ---- jobs -----------------------------------------------------------------------------------

    def create_job(self, request: GenerationRequest, *, group_id: str | None = None) -> Job:
        """A stored, pending job for a valid request; InvalidRequest (nothing stored) otherwise."""
        problems = self.validate(request)
        if problems:
            raise InvalidRequest(problems)
        job = Job.create(request, group_id=group_id, demo=self.config.demo)
        self.jobs[job.id] = job
        self.store.save(job)
        self._emit(job)
        return job

    async def generate(self, request: GenerationRequest) -> Job:
        return await self.run(self.create_job(request))

    async def run(self, job: Job) -> Job:
        """Take `job` from wherever it stands to an end. Never raises for a provider's failure.

        If the task running this is cancelled (the app is quitting), the job is left as it is in
        the store, and `resume` picks it up later.
        """
        self.jobs[job.id] = job
        control = self._controls.setdefault(job.id, _Control())
        try:
            await self._run(job, control)
        except _Cancelled as cancelled:
            self._finish(job, JobError(ErrorKind.CANCELLED, str(cancelled) or "cancelled"))
        except ProviderError as exc:
            self._finish(job, exc.to_job_error())
        except Exception as exc:  # a bug of ours: the job still ends in a readable state
            log.exception("job %s failed unexpectedly", job.id)
            self._finish(job, JobError(ErrorKind.FAILED, f"internal error: {exc!r}"))
        finally:
            self._controls.pop(job.id, None)
        return job

    def resumable_jobs(self) -> list[Job]:
        """Stored jobs `resume` can carry on: unfinished ones, and recent downloads that failed."""
        since = time.time() - RESULT_URL_LIFETIME_S
        failed = self.store.jobs(JobQuery(state=JobState.FAILED, since=since, limit=None))
        return self.store.unfinished() + [job for job in reversed(failed) if _download_failed(job)]

    async def resume(self, job: Job) -> Job:
        """Carry on a job left unfinished (a crash or a quit), or retry its failed download."""
        if _download_failed(job):
            job.error = None
        elif job.state.is_terminal:
            return job
        if job.handle is None and any(c.detail == SENDING for c in job.history):
            self._finish(
                job,
                JobError(
                    ErrorKind.INTERRUPTED,
                    "fluxtui stopped while sending this job; the provider may have taken it, "
                    "so it is not sent again automatically (retry it to send a new one)",
                ),
            )
            return job
        return await self.run(job)

    def cancel(self, job_id: str) -> bool:
        """Ask a running job to stop; False if it is not running here."""
        control = self._controls.get(job_id)
        if control is None:
            return False
        control.cancel.set()
        return True

    async def _run(self, job: Job, control: _Control) -> None:
        provider = self.provider(job.request.provider)
        result: ProviderResult | None = job.handle.result if job.handle else None
        if result is None:
            try:
                async with self._limits[provider.name], asyncio.timeout(self._remaining(job)):
                    await self._check_cancel(job, control, provider)
                    await self._submit(job, provider, control)
                    update = await self._follow(job, provider, control)
                    result = await self._retry_get(
                        job, control, lambda: provider.fetch_result(job.handle, update)
                    )
            except TimeoutError:
                await self._cancel_remote(provider, job)
                minutes = self.config.timeout_s / 60
                raise ProviderError(
                    ErrorKind.TIMEOUT,
                    f"gave up after {minutes:g} min without a result from {provider.name}",
                ) from None
            assert job.handle is not None
            job.handle.result = result  # stored, so a crash during the download can resume
        await self._download(job, result, control)

    def _remaining(self, job: Job) -> float:
        """Seconds left before the job's deadline, counted from its submit.

        A job resumed long after its submit still gets a minute (or the whole timeout, if shorter)
        to learn how it ended.
        """
        submitted = job.first_time(JobState.SUBMITTED) or time.time()
        floor = min(MIN_FOLLOW_S, self.config.timeout_s)
        return max(floor, submitted + self.config.timeout_s - time.time())

    async def _submit(self, job: Job, provider: Provider, control: _Control) -> None:
        if job.handle is not None:
            return
        for attempt in range(1, SUBMIT_ATTEMPTS + 1):
            self._record(job, JobState.PENDING, SENDING)
            if provider.synchronous:
                self._set_state(job, JobState.RUNNING, f"{provider.name} answers when it is done")
            try:
                job.handle = await provider.submit(job.request)
                break
            except ProviderError as exc:
                if not exc.safe_to_resubmit or attempt == SUBMIT_ATTEMPTS:
                    raise
                delay = self._backoff(attempt, exc.retry_after)
                self._set_state(job, JobState.PENDING, f"{exc.message}; retrying in {delay:.1f}s")
                await self._pause(job, control, provider, delay)
        if provider.synchronous:
            self.store.save(job)  # keep the handle: it holds the result's URLs
        else:
            self._set_state(job, JobState.SUBMITTED)

    async def _follow(self, job: Job, provider: Provider, control: _Control) -> StatusUpdate:
        """Follow the job until the provider says the result is ready; raise on any other end."""
        assert job.handle is not None
        if job.handle.result is not None or provider.synchronous:
            return StatusUpdate(JobState.DOWNLOADING, "inline", result=job.handle.result)
        if provider.can_stream and self._stream_status:
            try:
                update = await self._stream(job, provider, control)
                if update is not None:
                    return update
            except ProviderError as exc:
                if not exc.transient:
                    raise
                log.info("status stream of %s broke (%s); polling instead", job.id, exc.message)
        return await self._poll(job, provider, control)

    async def _stream(
        self, job: Job, provider: Provider, control: _Control
    ) -> StatusUpdate | None:
        """Follow the provider's status stream; None if it ended before the result was ready."""
        assert job.handle is not None
        handle = job.handle

        async def consume() -> StatusUpdate | None:
            async for update in provider.stream(handle):
                if self._observe(job, update):
                    return update
            return None

        consumer = asyncio.create_task(consume())
        try:
            while True:
                cancelled = asyncio.create_task(control.cancel.wait())
                done, _ = await asyncio.wait(
                    {consumer, cancelled}, return_when=asyncio.FIRST_COMPLETED
                )
                cancelled.cancel()
                if consumer in done:
                    return consumer.result()
                await self._check_cancel(job, control, provider)  # raises unless too late
        finally:
            consumer.cancel()

    async def _poll(self, job: Job, provider: Provider, control: _Control) -> StatusUpdate:
        assert job.handle is not None
        schedule = self._schedule()
        started = time.monotonic()
        failures = 0
        while True:
            retry_after = None
            try:
                update = await provider.poll(job.handle)
                failures = 0
                if self._observe(job, update):
                    return update
            except ProviderError as exc:
                failures += 1
                if not exc.transient or failures >= GET_ATTEMPTS:
                    raise
                retry_after = max(exc.retry_after or 0.0, self._backoff(failures, None))
                self._emit(job, f"{exc.message}; retrying")
            running_since = job.first_time(JobState.RUNNING)
            eta = eta_from_progress(
                job.progress, time.time() - running_since if running_since else None
            )
            delay = schedule.next_delay(
                time.monotonic() - started, eta=eta, retry_after=retry_after
            )
            await self._pause(job, control, provider, delay)

    def _observe(self, job: Job, update: StatusUpdate) -> bool:
        """Apply a status update; True when the result is ready. Raises when the job failed."""
        if update.state.is_terminal or update.error is not None:
            error = update.error or JobError(
                ErrorKind.FAILED, f"{job.request.provider} says {update.raw_status}"
            )
            raise ProviderError(
                error.kind,
                error.message,
                status_code=error.status_code,
                request_id=error.request_id,
                raw_status=error.raw_status or update.raw_status,
            )
        if update.state is JobState.DOWNLOADING:
            return True
        changed = (update.queue_position, update.progress, update.log) != (
            job.queue_position,
            job.progress,
            job.log,
        )
        job.queue_position = update.queue_position
        job.progress = update.progress
        job.log = update.log or job.log
        # A provider may report "queued" again after "running" (BFL's answers lack progress at
        # times): a job never moves back.
        backwards = job.state is JobState.RUNNING and update.state is JobState.QUEUED
        if update.state is not job.state and not backwards:
            self._set_state(job, update.state)
        elif changed:
            self._emit(job)
        return False

    async def _download(self, job: Job, result: ProviderResult, control: _Control) -> None:
        if not result.images:
            raise ProviderError(ErrorKind.BAD_RESPONSE, f"{job.request.provider} returned no image")
        flags = result.nsfw or (False,) * len(result.images)
        images = [image for image, flagged in zip(result.images, flags, strict=False) if not flagged]
        withheld = len(result.images) - len(images)
        if not images:
            raise ProviderError(
                ErrorKind.MODERATED,
                f"{job.request.provider}'s safety checker flagged the image as NSFW",
            )
        job.seed = result.seed if result.seed is not None else job.request.param("seed")
        job.queue_position = None
        self._set_state(job, JobState.DOWNLOADING)
        for index, image in enumerate(images):
            if index < len(job.files):
                continue  # saved before a crash or a failed download of a later image
            saved = await self._retry_get(
                job,
                control,
                lambda image=image, index=index: save_image(
                    self._downloads,
                    image,
                    self.library,
                    job_id=job.id,
                    created_at=job.created_at,
                    index=index,
                    count=len(images),
                    meta=provenance.record(job),
                ),
                cancellable=False,  # a finished image is always kept
            )
            job.files.append(str(saved.path))
            job.width, job.height = saved.width, saved.height
            self.store.save(job)
        note = f"{withheld} image(s) withheld by the safety checker" if withheld else None
        self._set_state(job, JobState.DONE, note)

    async def _retry_get(
        self,
        job: Job,
        control: _Control,
        call: Callable[[], Awaitable[T]],
        *,
        cancellable: bool = True,
    ) -> T:
        """`call()` (an idempotent GET), retried with back-off on transient failures."""
        for attempt in range(1, GET_ATTEMPTS + 1):
            try:
                return await call()
            except ProviderError as exc:
                if not exc.transient or attempt == GET_ATTEMPTS:
                    raise
                delay = self._backoff(attempt, exc.retry_after)
                self._emit(job, f"{exc.message}; retrying in {delay:.1f}s")
                if cancellable:
                    await self._pause(job, control, self.provider(job.request.provider), delay)
                else:
                    await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """0.5 s, 1 s, 2 s, … capped, or the provider's Retry-After when it asks for longer."""
        delay = min(MAX_BACKOFF_S, self._backoff_s * 2 ** (attempt - 1))
        return max(delay, retry_after or 0.0)

    # ---- cancelling -----------------------------------------------------------------------------

    async def _pause(self, job: Job, control: _Control, provider: Provider, delay: float) -> None:
        """Sleep `delay` seconds, waking at once to handle a cancel."""
        try:
            await asyncio.wait_for(control.cancel.wait(), timeout=delay)
        except TimeoutError:
            return
        await self._check_cancel(job, control, provider)

    async def _check_cancel(self, job: Job, control: _Control, provider: Provider) -> None:
        if not control.cancel.is_set():
            return
        if job.handle is None:
            raise _Cancelled("cancelled before it was sent")
        if not provider.can_cancel:
            raise _Cancelled(
                f"stopped following it here; {provider.name} cannot cancel a job, "
                "so it may still run and be charged"
            )
        outcome = await self._cancel_remote(provider, job)
        if outcome is CancelOutcome.ALREADY_DONE:
            control.cancel.clear()  # too late to cancel: keep the finished image
            self._emit(job, f"{provider.name} had already finished it; saving the image")
            return
        raise _Cancelled(f"cancelled at {provider.name}")

    async def _cancel_remote(self, provider: Provider, job: Job) -> CancelOutcome:
        if not provider.can_cancel or job.handle is None:
            return CancelOutcome.UNSUPPORTED
        try:
            return await provider.cancel(job.handle)
        except ProviderError as exc:
            log.info("cancel of %s at %s failed: %s", job.id, provider.name, exc.message)
            return CancelOutcome.UNSUPPORTED

    # ---- state ----------------------------------------------------------------------------------

    def _record(self, job: Job, state: JobState, detail: str | None = None) -> None:
        job.state = state
        job.history.append(StateChange(state, time.time(), detail))
        self.store.save(job)

    def _set_state(self, job: Job, state: JobState, detail: str | None = None) -> None:
        self._record(job, state, detail)
        self._emit(job, detail)

    def _finish(self, job: Job, error: JobError) -> None:
        job.error = error
        job.queue_position = None
        self._set_state(job, STATE_FOR_ERROR.get(error.kind, JobState.FAILED), error.message)


def _download_failed(job: Job) -> bool:
    """A job that failed while downloading a result whose URLs may still work."""
    return (
        job.state is JobState.FAILED
        and job.handle is not None
        and job.handle.result is not None
        and job.error is not None
        and job.error.kind in RETRYABLE_DOWNLOAD_ERRORS
        and job.created_at > time.time() - RESULT_URL_LIFETIME_S
    )


def _user_agent() -> dict[str, str]:
    return {"user-agent": f"fluxtui/{__version__}"}
