"""The engine's side of `Provider.wait()` for one job's run: the poll schedule (learnt from the
store's history of jobs like it, when it has enough), back-off with a word to the user on each
failed poll, and the provider's shared `Poller`, through which every wait goes (its timer and its
request budget)."""

from __future__ import annotations

import time
from typing import Protocol

from fluxtui.core.durations import human
from fluxtui.core.errors import ProviderError
from fluxtui.core.learned_schedule import LearnedSchedule, queued_delay
from fluxtui.core.models import ErrorKind, Job, JobState, StatusUpdate
from fluxtui.core.run_parts import RunContext, Schedule, Unreachable
from fluxtui.core.schedule import eta_from_progress


class Follower(Protocol):
    """What the pace needs of the run it paces (a `JobRun`)."""

    job: Job
    ctx: RunContext
    trouble_since: float | None
    not_ready_at: float | None

    def note_trouble(self, error: ProviderError) -> None: ...


class RunPace:
    """The engine's side of `Provider.wait()`: the poll schedule, and back-off on failures."""

    def __init__(self, run: Follower):
        self.run = run
        self.schedule = self._schedule()
        history, request = run.ctx.history, run.job.request
        #: seconds a place in this provider+model's queue takes, when the store knows
        self.per_position = history.position_seconds(request) if history else None
        run.job.place_s = self.per_position  # the faces show when a queued job should start
        self.started = time.monotonic()
        self.failures = 0
        self.poller = run.ctx.poller(run.job.request.provider)
        self.asking = False  # a request the poller let go is unanswered

    async def turn(self, delay: float) -> None:
        """Wait `delay` seconds and the poller's leave to send the next request."""
        self.answered()
        await self.poller.wait(delay)
        self.asking = True

    def answered(self) -> None:
        """The request the poller let go has its answer (or failed, or is not needed)."""
        if self.asking:
            self.asking = False
            self.poller.done()

    def _schedule(self) -> Schedule:
        """The learnt schedule for jobs like this one, when the store knows enough; else the
        engine's own."""
        ctx, job = self.run.ctx, self.run.job
        durations = ctx.history.durations(job.request) if ctx.history else None
        if durations is None:
            return ctx.schedule()
        submitted = job.last_time(JobState.SUBMITTED)
        age = max(0.0, time.time() - submitted) if submitted else 0.0
        return LearnedSchedule(durations, offset=age)

    async def start(self) -> None:
        # a learnt schedule knows the job will not be ready for a while: no poll at once
        first = self.schedule.next_delay(0.0) if isinstance(self.schedule, LearnedSchedule) else 0
        await self.turn(first)

    async def tick(self, update: StatusUpdate) -> None:
        self.failures = 0
        self.run.not_ready_at = time.time()
        job = self.run.job
        running_since = job.last_time(JobState.RUNNING)
        running_for = time.time() - running_since if running_since else None
        eta = eta_from_progress(job.progress, running_for)
        delay = self.schedule.next_delay(time.monotonic() - self.started, eta=eta)
        if job.state is JobState.QUEUED:
            delay = queued_delay(delay, job.queue_position, self.per_position)
        await self.turn(delay)

    async def trouble(self, error: ProviderError) -> None:
        self.answered()
        if error.ends_job:
            raise error
        self.failures += 1
        self.run.note_trouble(error)
        if error.kind is ErrorKind.AUTH and not error.request_sent:
            # no key to ask with (it was removed since the submit): waiting cannot help, but the
            # provider keeps the result; resumable once the key is back
            assert self.run.trouble_since is not None
            raise Unreachable(error, self.run.trouble_since)
        delay = self.run.ctx.backoff.delay(self.failures, error.retry_after)
        since = time.strftime("%H:%M:%S", time.localtime(self.run.trouble_since))
        self.run.ctx.emit(
            self.run.job, f"{error.message}; trying again in {human(delay)} (failing since {since})"
        )
        await self.turn(delay)
