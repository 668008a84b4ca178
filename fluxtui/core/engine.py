"""The job runner: validate → submit → follow → download → store, emitting events.

One HTTP client per provider (`http_clients`), and concurrency limits per provider and per model
(`in_flight`). Each job is run by `JobRun` (`job_run.py` holds the rules for money and images).
Every state change is written to the store before listeners hear of it, so a crash at any point
leaves a resumable row, and listeners get a `JobEvent` with an immutable snapshot of the job: the
faces never see the engine's `Job`.

A job has one owner at a time across processes: the engine takes the job's lease in the store
before it runs it, renews it while it runs, and drops it at the end. A job whose lease another
live process holds is left alone; a lease whose process died is taken over.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable, Collection
from pathlib import Path

import httpx

from fluxtui.core import modes, paths
from fluxtui.core.config import Config
from fluxtui.core.errors import InvalidRequest, ProviderError
from fluxtui.core.http_clients import new_client
from fluxtui.core.in_flight import InFlight
from fluxtui.core.job_rows import JobQuery
from fluxtui.core.job_run import RESENT, JobRun
from fluxtui.core.learned import History
from fluxtui.core.leases import new_owner_id
from fluxtui.core.models import (
    ErrorKind,
    GenerationRequest,
    Job,
    JobError,
    JobEvent,
    JobState,
    StateChange,
    short_id,
)
from fluxtui.core.poller import Poller
from fluxtui.core.providers import create_provider
from fluxtui.core.providers.base import Provider
from fluxtui.core.retry import Backoff
from fluxtui.core.run_ends import STATE_FOR_ERROR, uncertain_error, unreachable_error, was_sending
from fluxtui.core.run_parts import (
    Cancelled,
    Control,
    LeaseLost,
    RunContext,
    Schedule,
    Uncertain,
    Unreachable,
)
from fluxtui.core.schedule import PollSchedule
from fluxtui.core.store import Store

log = logging.getLogger("fluxtui.engine")

#: how often a running engine renews the leases of its jobs (well inside the store's lease TTL)
LEASE_RENEW_S = 5.0
#: the most connections of a polled provider (BFL, Comet): its polls are short and go out at most
#: `max_requests_per_second`, and httpcore scans every connection and waiting request per request
POLLED_POOL = 16

Listener = Callable[[JobEvent], None]


class Engine:
    """Runs jobs: `async with Engine(config, store) as engine: await engine.generate(request)`."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        library: Path | None = None,
        cache: Path | None = None,
        schedule: Callable[[], Schedule] = PollSchedule,
        stream_status: bool = True,
        backoff_s: float = 0.5,
        simulator: Collection[str] = (),
        learn: bool = True,
    ):
        self.config = config
        #: the origins of the simulator a demo config points at, when this process runs it: a
        #: demo job whose handle names another server is sent again (`modes`); () when unknown
        self.simulator = tuple(simulator)
        self.store = store
        self.library = library or paths.library_dir()
        self.owner = new_owner_id()
        self._providers: dict[str, Provider] = {}
        self._pollers: dict[str, Poller] = {}
        #: ready times learnt from the store (`learn=False`: `schedule` for every job)
        self.history = History(store, demo=config.demo) if learn else None
        self._in_flight = InFlight()
        self._controls: dict[str, Control] = {}
        self._listeners: list[Listener] = []
        self._heartbeat: asyncio.Task[None] | None = None
        downloads = new_client(
            timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=True, cookies=True
        )
        self._context = RunContext(
            store=store,
            library=self.library,
            cache=cache or paths.unsaved_dir(),
            downloads=downloads,
            schedule=schedule,
            backoff=Backoff(base_s=backoff_s),
            stream=stream_status,
            timeout_s=config.timeout_s,
            emit=self._emit,
            poller=self.poller,
            history=self.history,
        )

    async def __aenter__(self) -> Engine:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
        for poller in self._pollers.values():
            poller.close()
        for provider in self._providers.values():
            await provider.client.aclose()
        await self._context.downloads.aclose()

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
            connections = settings.concurrency * 2 + 4
            if settings.protocol in ("bfl", "comet"):  # fal streams, OpenAI answers slowly
                connections = min(connections, POLLED_POOL)
            client = new_client(
                timeout=httpx.Timeout(30.0, connect=10.0),
                max_connections=connections,
                http2=settings.transport.uses_http2(settings.base_url),
            )
            self._providers[name] = create_provider(settings, client)
        return self._providers[name]

    def poller(self, name: str) -> Poller:
        """The named provider's one poller: its jobs' status requests, under its budget."""
        if name not in self._pollers:
            budget = self.provider(name).settings.transport.max_requests_per_second
            self._pollers[name] = Poller(budget)
        return self._pollers[name]

    def validate(self, request: GenerationRequest) -> list[str]:
        """Every problem with `request`, in words naming the field, value and rule."""
        if request.provider not in self.config.providers:
            names = ", ".join(self.config.providers)
            return [f"unknown provider {request.provider!r}: one of {names}"]
        return self.provider(request.provider).validate(request)

    # ---- jobs -----------------------------------------------------------------------------------

    def create_job(self, request: GenerationRequest, *, group_id: str | None = None) -> Job:
        """A stored, pending job for a valid request, leased to this engine; InvalidRequest
        (nothing stored) otherwise."""
        problems = self.validate(request)
        if problems:
            raise InvalidRequest(problems)
        job = Job.create(request, group_id=group_id, demo=self.config.demo)
        self.store.create(job, self.owner)
        self._emit(job)
        return job

    async def generate(self, request: GenerationRequest) -> Job:
        return await self.run(self.create_job(request))

    async def run(self, job: Job) -> Job:
        """Take `job` from wherever it stands to the end of a run. Never raises for a provider's
        failure. A job another live process owns is left to it, unchanged.

        If the task running this is cancelled (the app is quitting), the job is left as it is in
        the store, and `resume` picks it up later.
        """
        if job.id in self._controls:
            return job  # already running here
        if not self.store.claim(job.id, self.owner):
            self._emit(job, "another fluxtui process is following this job")
            return job
        control = self._controls[job.id] = Control()
        self._start_heartbeat()
        provider = self.provider(job.request.provider)
        try:
            slot = self._in_flight.slot(provider.settings, job.request.model)
            await JobRun(self._context, job, provider, slot, control).run()
            if self.history is not None and job.state is JobState.DONE:
                self.history.learn(job)
        except LeaseLost:
            self._emit(job, "another fluxtui process took this job over")
        except Cancelled as cancelled:
            self._finish(job, JobError(ErrorKind.CANCELLED, str(cancelled) or "cancelled"))
        except Uncertain as uncertain:
            error = uncertain_error(uncertain.error, provider.label, job.id)
            self._finish(job, error, JobState.UNCERTAIN)
        except Unreachable as unreachable:
            self._finish(job, unreachable_error(unreachable), JobState.UNREACHABLE)
        except ProviderError as exc:
            self._finish(job, exc.to_job_error())
        finally:
            self._controls.pop(job.id, None)
            if not control.lost:
                self.store.release(job.id, self.owner)
        return job

    def resumable_jobs(self) -> list[Job]:
        """Stored jobs `resume` carries on (unfinished, unreachable, in cache) that no
        other live process follows, of this engine's mode (demo or not). Oldest first."""
        return [j for j in self.store.unfinished(free_for=self.owner) if not self.leaves_alone(j)]

    def held_elsewhere(self) -> int:
        """How many unfinished stored jobs another live fluxtui process follows (its lease)."""
        return len(self.store.unfinished()) - len(self.store.unfinished(free_for=self.owner))

    def jobs_of_the_other_mode(self) -> list[Job]:
        """The stored jobs `resume` would carry on in the other mode: demo jobs outside demo
        mode, jobs sent with the user's keys in it. Oldest first."""
        return [j for j in self.store.unfinished(free_for=self.owner) if self.leaves_alone(j)]

    def uncertain_jobs(self) -> list[Job]:
        """Stored jobs whose submit may have been taken: only the user's word sends them again."""
        uncertain = self.store.jobs(JobQuery(state=JobState.UNCERTAIN, limit=None))
        return [job for job in uncertain if not self.leaves_alone(job)]

    def leaves_alone(self, job: Job) -> str | None:
        """Why this engine does not carry `job` on (it belongs to the other mode), in words
        that say which does; None when it does."""
        return modes.other_mode(job, self.config.demo)

    def resends_demo(self, job: Job) -> bool:
        """Whether resuming `job` sends it to the simulator again: a demo job whose simulator
        has stopped (its handle names another, or it was being sent when fluxtui stopped).
        Nothing was paid for it."""
        if not (self.config.demo and job.demo and self.simulator) or job.state is JobState.CACHED:
            return False
        if job.handle is None:
            return was_sending(job)
        return modes.elsewhere(job.handle, self.simulator)

    async def resume(self, job: Job) -> Job:
        """Carry on a job a crash, a quit or an outage interrupted, without sending anything new.

        A job that was being sent when fluxtui stopped may have been taken (and charged) by the
        provider: it ends UNCERTAIN, and only `resend` sends it again. A demo job whose simulator
        has stopped is sent again (`resends_demo`); a job of the other mode is left alone
        (`leaves_alone`).
        """
        if not self._mine(job) or not self._claim_fresh(job):
            return job
        if job.state.is_terminal and not job.state.is_resumable:
            self.store.release(job.id, self.owner)
            return job
        if self.resends_demo(job):
            self._restart_demo(job)
            return await self.run(job)
        if was_sending(job):
            error = JobError(
                ErrorKind.INTERRUPTED,
                "fluxtui stopped while sending this job; the provider may have taken it (and "
                f"charged it), so it is not sent again by itself: `fluxtui resume --resend "
                f"{short_id(job.id)}` or r sends it again",
            )
            self._finish(job, error, JobState.UNCERTAIN)
            self.store.release(job.id, self.owner)
            return job
        if job.state.is_resumable:
            job.error = None
        return await self.run(job)

    async def resend(self, job: Job) -> Job:
        """Send a job whose submit is uncertain once more, at the user's word (it may be paid
        twice: the caller has said so to the user). A job of the other mode is left alone."""
        if not self._mine(job) or not self._claim_fresh(job):
            return job
        if job.state is not JobState.UNCERTAIN:  # another process sent it again meanwhile
            self.store.release(job.id, self.owner)
            return job
        job.error = None
        job.handle = None
        job.history.append(StateChange(JobState.PENDING, time.time(), RESENT))
        job.state = JobState.PENDING
        self.store.save(job)
        return await self.run(job)

    def cancel(self, job_id: str) -> bool:
        """Ask a running job to stop; False if it is not running here."""
        control = self._controls.get(job_id)
        if control is None:
            return False
        control.cancel.set()
        return True

    def _mine(self, job: Job) -> bool:
        """Whether `job` is of this engine's mode; if not, listeners hear which mode it is of."""
        why = self.leaves_alone(job)
        if why:
            self._emit(job, why)
        return why is None

    def _restart_demo(self, job: Job) -> None:
        """Forget the stopped simulator's run of a demo job: it goes out again as new."""
        job.handle = None
        job.error = None
        job.files = []
        job.seed = job.width = job.height = None
        job.queue_position = job.progress = None
        job.log = None
        job.state = JobState.PENDING
        job.history.append(StateChange(JobState.PENDING, time.time(), modes.DEMO_RESENT))
        self.store.save(job)
        self._emit(job, modes.DEMO_RESENT)

    # ---- leases ---------------------------------------------------------------------------------

    def _claim_fresh(self, job: Job) -> bool:
        """Take `job`'s lease and bring `job` up to date with the store (another process may
        have carried it on since it was read); False when it runs here or another live
        process holds it."""
        if job.id in self._controls:
            return False
        if not self.store.claim(job.id, self.owner):
            self._emit(job, "another fluxtui process is following this job")
            return False
        stored = self.store.get(job.id)
        if stored is not None:
            for item in dataclasses.fields(Job):
                setattr(job, item.name, getattr(stored, item.name))
        return True

    def _start_heartbeat(self) -> None:
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.create_task(self._renew_leases())

    async def _renew_leases(self) -> None:
        while self._controls:
            await asyncio.sleep(LEASE_RENEW_S)
            running = list(self._controls)
            held = self.store.renew(self.owner, running)
            for job_id in running:
                control = self._controls.get(job_id)
                if control is not None and job_id not in held:
                    control.lost = True
                    control.cancel.set()

    # ---- state ----------------------------------------------------------------------------------

    def _finish(self, job: Job, error: JobError, state: JobState | None = None) -> None:
        job.error = error
        job.queue_position = None
        state = state or STATE_FOR_ERROR.get(error.kind, JobState.FAILED)
        job.state = state
        job.history.append(StateChange(state, time.time(), error.message))
        self.store.save(job)
        self._emit(job, error.message)
