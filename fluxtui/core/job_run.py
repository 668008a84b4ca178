"""One job's way through its provider: submit → wait → fetch → download, under a deadline.

The rules that keep money and images safe live here:
- A paid submit is sent once. It is re-sent only when the provider surely did not take it (429, or
  a connection that never opened). An ambiguous failure (a timeout, a 5xx, a dropped connection
  after the body left) ends the run UNCERTAIN: the user decides whether to send it again.
- After the submit no failure is final on its own: transport errors, 5xx, 429, malformed or
  unexpected answers while following or fetching are tried again, with jittered back-off, until
  the deadline; then the job is UNREACHABLE, and `resume` carries it on. Only answers that mean
  the end (a moderation, an unknown job, an error result) end it.
- A finished image is kept: in the library, or in the cache (CACHED) when the library cannot be
  written; a cancel that comes too late never drops it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, aclosing, suppress
from pathlib import Path
from typing import TypeVar

from fluxtui.core import provenance
from fluxtui.core.durations import human
from fluxtui.core.errors import ProviderError
from fluxtui.core.files import SavedImage, place_cached, save_image
from fluxtui.core.models import ErrorKind, Job, JobState, StateChange, StatusUpdate
from fluxtui.core.providers.base import CancelOutcome, Provider
from fluxtui.core.results import ImageRef, ProviderResult, settle
from fluxtui.core.run_pace import RunPace
from fluxtui.core.run_parts import (
    FINAL_DOWNLOAD_KINDS,
    REFUSALS,
    Cancelled,
    Control,
    LeaseLost,
    RunContext,
    Uncertain,
    Unreachable,
)

T = TypeVar("T")

SENDING = "sending"  # history detail written just before a paid submit goes out
RESENT = "sent again at the user's word"
SUBMIT_ATTEMPTS = 5
#: a job resumed after its deadline still gets this long (or the whole timeout, if shorter)
MIN_FOLLOW_S = 60.0


class JobRun:
    """Takes one job from where it stands to the end of this run. Raises `Cancelled`, `LeaseLost`,
    `Uncertain`, `Unreachable`, or a final `ProviderError`; the engine turns each into a state."""

    def __init__(
        self,
        ctx: RunContext,
        job: Job,
        provider: Provider,
        limit: AbstractAsyncContextManager[None],
        control: Control,
    ):
        self.ctx = ctx
        self.job = job
        self.provider = provider
        self.limit = limit
        self.control = control
        self.trouble_since: float | None = None  # wall time of the first failure in a row
        self.trouble: ProviderError | None = None  # the latest of them
        #: wall time of the latest poll answer that said "not ready yet" (`RunPace` sets it; a
        #: stream's answers come as they happen and leave it None)
        self.not_ready_at: float | None = None

    def seconds_left(self) -> float:
        """Seconds before the job's deadline, counted from its (latest) submit; a job resumed
        after it still gets a minute (or the whole timeout, if shorter)."""
        submitted = self.job.last_time(JobState.SUBMITTED) or time.time()
        floor = min(MIN_FOLLOW_S, self.ctx.timeout_s)
        return max(floor, submitted + self.ctx.timeout_s - time.time())

    async def run(self) -> None:
        job = self.job
        if job.state is JobState.CACHED:
            self.place_cached()
            return
        result = job.handle.result if job.handle else None
        if result is None:
            async with self.limit:
                if job.handle is None:
                    await self.submit()
                result = await self.follow_until_deadline()
            assert job.handle is not None
            job.handle.result = result  # stored, so a crash during the download can resume
            job.cost = settle(job.cost, result.cost)  # the final cost over the submit's quote
        await self.download(result)

    # ---- submit ---------------------------------------------------------------------------------

    async def submit(self) -> None:
        job, provider = self.job, self.provider
        self.check_cancel_before_send()
        for attempt in range(1, SUBMIT_ATTEMPTS + 1):
            self.record(JobState.PENDING, SENDING)
            if provider.state_while_submitting is not JobState.PENDING:
                note = f"{provider.label} answers when the image is made"
                self.set_state(provider.state_while_submitting, note)
            try:
                handle = job.handle = await provider.submit(job.request)
                break
            except ProviderError as exc:
                if not exc.safe_to_resubmit:
                    if exc.request_sent and exc.kind not in REFUSALS:
                        raise Uncertain(exc) from None
                    raise
                if attempt == SUBMIT_ATTEMPTS or exc.lasting:
                    raise
                delay = self.ctx.backoff.delay(attempt, exc.retry_after)
                self.set_state(JobState.PENDING, f"{exc.message}; sending again in {human(delay)}")
                await self.sleep_unless_cancelled(delay)
                self.check_cancel_before_send()
        job.cost = handle.cost  # the provider's quote, until the final answer settles it
        if job.state is JobState.PENDING:
            self.set_state(JobState.SUBMITTED, provider.submit_note(job.request, handle))
        else:
            self.ctx.store.save(job)  # a job never moves back: keep RUNNING, store the handle

    def check_cancel_before_send(self) -> None:
        if self.control.lost:
            raise LeaseLost()
        if self.control.cancel.is_set():
            raise Cancelled("cancelled before it was sent")

    async def sleep_unless_cancelled(self, delay: float) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(self.control.cancel.wait(), timeout=delay)

    # ---- follow ---------------------------------------------------------------------------------

    async def follow_until_deadline(self) -> ProviderResult:
        try:
            async with asyncio.timeout(self.seconds_left()):
                return await self.cancellable(self.follow)
        except TimeoutError:
            if self.trouble is not None and self.trouble_since is not None:
                raise Unreachable(self.trouble, self.trouble_since) from None
            await self.cancel_remote()
            raise ProviderError(
                ErrorKind.TIMEOUT,
                f"gave up after {human(self.ctx.timeout_s)} without a result from "
                f"{self.provider.label}",
            ) from None

    async def follow(self) -> ProviderResult:
        pace = RunPace(self)
        try:
            while True:
                ready = await self.until_ready(pace)
                if ready is not None:
                    return await self.fetch(ready, pace)
                await pace.trouble(
                    ProviderError(
                        ErrorKind.BAD_RESPONSE,
                        f"{self.provider.label}'s status ended before the result was ready",
                    )
                )
        finally:
            pace.answered()

    async def until_ready(self, pace: RunPace) -> StatusUpdate | None:
        """Follow the job's status until it says ready (that update) or stops early (None); a job
        that ended raises. The updates are closed before this returns or raises: a status
        stream left open would hold its connection, and be closed by the loop's shutdown."""
        assert self.job.handle is not None
        updates = self.provider.wait(self.job.handle, pace, stream=self.ctx.stream)
        async with aclosing(updates):
            async for update in updates:
                self.recovered()
                if self.observe(update):
                    return update
        return None

    async def fetch(self, update: StatusUpdate, pace: RunPace) -> ProviderResult:
        assert self.job.handle is not None
        while True:
            try:
                return await self.provider.fetch_result(self.job.handle, update)
            except ProviderError as exc:
                await pace.trouble(exc)

    def observe(self, update: StatusUpdate) -> bool:
        """Apply a status update; True when the result is ready. Raises when the job ended."""
        job = self.job
        if update.state.is_terminal or update.error is not None:
            error = update.error
            kind = error.kind if error else ErrorKind.FAILED
            message = error.message if error else f"{self.provider.label} says {update.raw_status}"
            raise ProviderError(
                kind,
                message,
                status_code=error.status_code if error else None,
                request_id=error.request_id if error else None,
                raw_status=(error.raw_status if error else None) or update.raw_status,
                ends_job=True,
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
        # BFL's answers lack progress at times: a job never moves back from RUNNING to QUEUED
        backwards = job.state is JobState.RUNNING and update.state is JobState.QUEUED
        if update.state is not job.state and not backwards:
            self.set_state(update.state, position=update.queue_position)
        elif changed:
            self.ctx.emit(job, None)
        return False

    def recovered(self) -> None:
        self.trouble_since, self.trouble = None, None

    def note_trouble(self, error: ProviderError) -> None:
        self.trouble = error
        self.trouble_since = self.trouble_since or time.time()

    async def cancellable(self, step: Callable[[], Awaitable[T]]) -> T:
        """`step()`, stopped when the user cancels: then the provider is asked to cancel too, and
        if it had already finished, `step()` runs again (the finished image is kept)."""
        while True:
            task = asyncio.ensure_future(step())
            waiter = asyncio.ensure_future(self.control.cancel.wait())
            try:
                done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
                if not task.done():
                    task.cancel()
                    with suppress(asyncio.CancelledError):
                        await task
            if task in done and not task.cancelled():
                return task.result()
            await self.check_cancel()

    async def check_cancel(self) -> None:
        """Raise for a cancel (or a lost lease); return when the provider had already finished."""
        if self.control.lost:
            raise LeaseLost()
        if not self.control.cancel.is_set():
            return
        label = self.provider.label
        if not self.provider.can_cancel:
            raise Cancelled(
                f"stopped following it here; {label} cannot cancel a job, "
                "so it may still run and be charged"
            )
        outcome = await self.cancel_remote()
        if outcome is CancelOutcome.ALREADY_DONE:
            self.control.cancel.clear()
            self.ctx.emit(self.job, f"{label} had already finished it; saving the image")
            return
        raise Cancelled(f"cancelled at {label}")

    async def cancel_remote(self) -> CancelOutcome:
        if not self.provider.can_cancel or self.job.handle is None:
            return CancelOutcome.UNSUPPORTED
        try:
            return await self.provider.cancel(self.job.handle)
        except ProviderError:
            return CancelOutcome.UNSUPPORTED

    # ---- download -------------------------------------------------------------------------------

    async def download(self, result: ProviderResult) -> None:
        job = self.job
        label = self.provider.label
        if not result.images:
            raise ProviderError(ErrorKind.BAD_RESPONSE, f"{label} returned no image", ends_job=True)
        flags = result.nsfw or (False,) * len(result.images)
        images = [image for image, nsfw in zip(result.images, flags, strict=False) if not nsfw]
        withheld = len(result.images) - len(images)
        if not images:
            message = f"{label}'s safety checker flagged the image as NSFW"
            raise ProviderError(ErrorKind.MODERATED, message, ends_job=True)
        job.seed = result.seed if result.seed is not None else job.request.param("seed")
        job.queue_position = None
        self.set_state(JobState.DOWNLOADING, since=self.not_ready_at)
        deadline = time.monotonic() + self.seconds_left()
        for index, image in enumerate(images):
            if index < len(job.files):
                continue  # saved before a crash or a failed download of a later image
            saved = await self.save(image, index, len(images), deadline)
            job.files.append(str(saved.path))
            job.width, job.height = saved.width, saved.height
            self.ctx.store.save(job)
        if self.cached_files():
            self.set_state(
                JobState.CACHED,
                "saved to cache: the library is not writable; `fluxtui resume` or r moves it there",
            )
            return
        note = f"{withheld} image(s) withheld by the safety checker" if withheld else None
        self.set_state(JobState.DONE, note)

    async def save(self, image: ImageRef, index: int, count: int, deadline: float) -> SavedImage:
        """Download and save one image, trying again until `deadline` (never cancelled: a
        finished image is always kept)."""
        job = self.job
        attempt = 0
        while True:
            try:
                return await save_image(
                    self.ctx.downloads,
                    image,
                    self.ctx.library,
                    job_id=job.id,
                    created_at=job.created_at,
                    index=index,
                    count=count,
                    meta=provenance.record(job),
                    deadline=deadline,
                    fallback_dir=self.ctx.cache,
                )
            except ProviderError as exc:
                if exc.ends_job or exc.kind in FINAL_DOWNLOAD_KINDS:
                    raise
                self.note_trouble(exc)
                attempt += 1
                delay = self.ctx.backoff.delay(attempt, exc.retry_after)
                if time.monotonic() + delay >= deadline:
                    assert self.trouble_since is not None
                    raise Unreachable(exc, self.trouble_since) from None
                self.ctx.emit(job, f"{exc.message}; trying again in {human(delay)}")
                await asyncio.sleep(delay)

    def cached_files(self) -> list[str]:
        return [f for f in self.job.files if Path(f).is_relative_to(self.ctx.cache)]

    def place_cached(self) -> None:
        """Move images kept in the cache into the library (a resume of a CACHED job)."""
        job = self.job
        count = len(job.files)
        for index, name in enumerate(job.files):
            if not Path(name).is_relative_to(self.ctx.cache):
                continue
            try:
                placed = place_cached(
                    Path(name),
                    self.ctx.library,
                    job_id=job.id,
                    created_at=job.created_at,
                    index=index,
                    count=count,
                )
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
                self.ctx.emit(job, f"the library is still not writable ({reason}); kept in cache")
                return
            job.files[index] = str(placed)
            self.ctx.store.save(job)
        self.set_state(JobState.DONE, "moved from the cache into the library")

    # ---- state ----------------------------------------------------------------------------------

    def record(
        self,
        state: JobState,
        detail: str | None = None,
        *,
        position: int | None = None,
        since: float | None = None,
    ) -> None:
        """A history entry, stored; listeners are not told (see `set_state`)."""
        self.job.state = state
        self.job.history.append(StateChange(state, time.time(), detail, position, since))
        self.ctx.store.save(self.job)

    def set_state(
        self,
        state: JobState,
        detail: str | None = None,
        *,
        position: int | None = None,
        since: float | None = None,
    ) -> None:
        self.record(state, detail, position=position, since=since)
        self.ctx.emit(self.job, detail)
