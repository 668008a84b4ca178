"""What a face does with jobs, without Textual: start, resume, retry, cancel, delete, the budget
check, comparisons, and the paged reads of the history and the library.

A face (the TUI) builds one `Controller` on a `Backend` and hands it a `spawn` function that runs
a job's coroutine where the face wants it (the app: a worker of its own). The controller holds
the engine's `Job`s it runs; the face only ever sees `JobSnapshot`s, from the events it relays
(`add_listener`) and from what these methods return. Methods marked *blocking* read SQLite on a
connection of their own: call them from a thread, never from the face's event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from fluxtui.control.backend import Backend
from fluxtui.control.comparisons import Comparisons
from fluxtui.control.lineage_reads import LineageReads
from fluxtui.control.outcomes import NotReady, OtherMode, OverBudget, Page, Started, StillRunning
from fluxtui.control.spending import Spending
from fluxtui.control.threaded_store import ThreadedStore
from fluxtui.core import library, modes
from fluxtui.core.budget import BudgetCheck
from fluxtui.core.config import Config
from fluxtui.core.errors import InvalidRequest
from fluxtui.core.job_rows import JobQuery
from fluxtui.core.models import GenerationRequest, Job, JobEvent, JobSnapshot, JobState
from fluxtui.core.pricing import Spend
from fluxtui.core.store import Store

if TYPE_CHECKING:  # the engine (httpx, the providers) is imported once the app has painted
    from fluxtui.core.accounts import AccountStatus
    from fluxtui.core.engine import Engine

Listener = Callable[[JobEvent], None]
#: runs a job's coroutine for the face: `spawn(name, coroutine)`
Spawn = Callable[[str, Coroutine[Any, Any, JobSnapshot]], object]


class Controller(Comparisons):
    """The faces' one way to the engine and the store: it runs jobs (through `spawn`), relays
    the engine's events, and answers in snapshots. `demo`: on the simulator (nothing charged)."""

    def __init__(
        self, backend: Backend, *, spawn: Spawn, demo: bool, clock: Callable[[], float] = time.time
    ):
        self.backend = backend
        self.demo = demo
        self.clock = clock
        self.spending = Spending(backend.base_config, clock())
        self._spawn = spawn
        self._listeners: list[Listener] = []
        self._running: dict[str, Job] = {}
        self._stop_listening: Callable[[], None] | None = None
        self._reads = ThreadedStore(backend.store_path)
        self.lineage = LineageReads(self._reads)  # the library's lineage reads (*blocking*)

    # ---- the engine -----------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self.backend.engine is not None

    @property
    def config(self) -> Config:
        """The engine's config (the simulator's in demo mode), or the base one before it opens."""
        engine = self.backend.engine
        return engine.config if engine else self.backend.base_config

    @property
    def library_dir(self) -> Path | None:
        return self.backend.library

    def _engine(self) -> Engine:
        if self.backend.engine is None:
            raise NotReady()
        return self.backend.engine

    async def open(self) -> None:
        """Open the engine (in demo mode once the simulator answers) and relay its events."""
        engine = await self.backend.open(demo=self.demo)
        self._stop_listening = engine.add_listener(self._relay)

    async def set_demo(self, demo: bool) -> None:
        """Reopen the engine on the simulator or on the real services (while nothing runs)."""
        if self._running:
            raise StillRunning("wait for the running jobs to end (or cancel them) first")
        if self._stop_listening:
            self._stop_listening()
            self._stop_listening = None
        await self.backend.close_engine()
        self.demo = demo
        await self.open()

    async def close(self) -> None:
        if self._stop_listening:
            self._stop_listening()
            self._stop_listening = None
        await asyncio.to_thread(self._reads.close)
        await self.backend.close()

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every JobEvent of whichever engine is open; returns a stopper."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _relay(self, event: JobEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    # ---- checks ---------------------------------------------------------------------------------

    def validate(self, request: GenerationRequest) -> list[str]:
        engine = self.backend.engine
        return engine.validate(request) if engine else []

    async def check_accounts(self) -> list[AccountStatus]:
        """Each provider's key tried where that is free (BFL: its balance), through the open
        engine (the simulator's services in demo mode); nothing paid is sent. NotReady before."""
        from fluxtui.core import accounts

        engine = self._engine()
        return await accounts.check_all(engine.config, engine.provider)

    def budget(self, requests: Iterable[GenerationRequest]) -> BudgetCheck | None:
        """The budget's verdict on sending `requests` (jobs running count as spent); None in demo
        mode, where nothing is charged."""
        if self.demo:
            return None
        in_flight = [job.request for job in self._running.values()]
        return self.spending.check(requests, in_flight)

    def _cleared(self, requests: Iterable[GenerationRequest], over_budget: bool) -> str | None:
        """OverBudget unless the budget allows `requests` (or `over_budget`); the near note."""
        verdict = self.budget(requests)
        if verdict is None:
            return None
        if not verdict.ok and not over_budget:
            raise OverBudget(verdict)
        return verdict.message() if verdict.near and verdict.ok else None

    # ---- running jobs ---------------------------------------------------------------------------

    def start(self, request: GenerationRequest, *, over_budget: bool = False) -> Started:
        """Validate, check the budget, create and run a job. InvalidRequest, OverBudget or
        NotReady (nothing sent) otherwise."""
        engine = self._engine()
        problems = engine.validate(request)
        if problems:
            raise InvalidRequest(problems)
        note = self._cleared([request], over_budget)
        job = engine.create_job(request)
        self._run(job)
        return Started((job.snapshot(),), note)

    def resume(self, job_id: str) -> Started:
        """Follow a stored job left unfinished (or resumable) again (none if it is gone); a
        demo job whose simulator has stopped is sent to this one again, and `notice` says so.
        OtherMode (nothing done) for a job of the other mode."""
        engine = self._engine()
        if job_id in self._running:
            return Started((self._running[job_id].snapshot(),))
        job = engine.store.get(job_id)
        if job is None:
            return Started(())
        why = engine.leaves_alone(job)
        if why:
            raise OtherMode(why)
        notice = modes.DEMO_RESENT if engine.resends_demo(job) else None
        self._run(job, "resume")
        return Started((job.snapshot(),), notice=notice)

    def resume_all(self, job_ids: Iterable[str]) -> Started:
        """Resume each of `job_ids` this mode carries on; `notice` counts the demo jobs sent
        again and the jobs left to the other mode."""
        jobs: list[JobSnapshot] = []
        resent = 0
        left: list[str] = []
        for job_id in job_ids:
            try:
                started = self.resume(job_id)
            except OtherMode as other:
                left.append(str(other))
                continue
            jobs += started.jobs
            resent += started.notice is not None
        notices = []
        if resent:
            notices.append(modes.resent_notice(resent))
        if left:
            notices.append(f"{len(left)} job(s) left as they are: {left[0]}")
        return Started(tuple(jobs), notice="\n".join(notices) or None)

    def retry(self, job: JobSnapshot, *, over_budget: bool = False) -> Started:
        """Resume a job that can be carried on without paying again; send an uncertain one again
        (the face has asked the user: it may be paid twice); else send its request anew."""
        if not job.state.is_terminal or job.state.is_resumable:
            return self.resume(job.id)
        if job.state is JobState.UNCERTAIN:
            return self._resend(job, over_budget)
        return self.start(job.request, over_budget=over_budget)

    def _resend(self, snapshot: JobSnapshot, over_budget: bool) -> Started:
        engine = self._engine()
        job = engine.store.get(snapshot.id)
        if job is None or job.id in self._running:
            return Started(())
        why = engine.leaves_alone(job)
        if why:
            raise OtherMode(why)
        note = self._cleared([job.request], over_budget)
        self._run(job, "resend")
        return Started((job.snapshot(),), note)

    def rerun(self, job: JobSnapshot, seed: int, *, over_budget: bool = False) -> Started:
        """Send `job`'s request again with `seed`."""
        params = {**job.request.params, "seed": seed}
        return self.start(job.request.replace(params=params), over_budget=over_budget)

    def _run(self, job: Job, how: Literal["run", "resume", "resend"] = "run") -> None:
        self._running[job.id] = job
        self._spawn(f"job {job.id}", self._follow(job, how))

    async def _follow(self, job: Job, how: Literal["run", "resume", "resend"]) -> JobSnapshot:
        engine = self._engine()
        step = {"run": engine.run, "resume": engine.resume, "resend": engine.resend}[how]
        try:
            ended = await step(job)
        finally:
            self._running.pop(job.id, None)
        return ended.snapshot()

    def resumable(self) -> list[JobSnapshot]:
        """The stored jobs `resume` carries on (unfinished, unreachable, in cache) that no other
        process follows, oldest first."""
        return [job.snapshot() for job in self._engine().resumable_jobs()]

    def uncertain(self) -> list[JobSnapshot]:
        """The stored jobs whose submit may have been taken: only the user's word resends them."""
        return [job.snapshot() for job in self._engine().uncertain_jobs()]

    def held_elsewhere(self) -> int:
        """How many unfinished jobs another fluxtui process follows: `resume` leaves them."""
        return self._engine().held_elsewhere()

    def of_the_other_mode(self) -> list[JobSnapshot]:
        """The stored jobs `resume` would carry on in the other mode (demo jobs outside demo
        mode, jobs sent with the user's keys in it), oldest first."""
        return [job.snapshot() for job in self._engine().jobs_of_the_other_mode()]

    def leaves_alone(self, job: JobSnapshot) -> str | None:
        """Why this session does not carry `job` on (it belongs to the other mode); None if it
        does."""
        return modes.other_mode(job, self.demo)

    def find(self, prefix: str) -> list[JobSnapshot]:
        """The stored jobs whose id starts with `prefix`."""
        return [job.snapshot() for job in self.backend.open_store().find(prefix)]

    def lookup(self, prefix: str) -> list[JobSnapshot]:
        """The stored jobs whose id starts with `prefix`. *Blocking*, from any thread."""
        return [job.snapshot() for job in self._reads.run(lambda store: store.find(prefix))]

    def is_running(self, job_id: str) -> bool:
        """Whether this session follows the job now."""
        return job_id in self._running

    def cancel(self, job_id: str) -> bool:
        """Ask a running job to stop; False if it does not run here."""
        engine = self.backend.engine
        return engine.cancel(job_id) if engine and job_id in self._running else False

    def cancel_all(self) -> int:
        """Ask every running job to stop; how many were asked."""
        return sum(self.cancel(job_id) for job_id in list(self._running))

    def delete(self, job: JobSnapshot, *, with_files: bool) -> None:
        """Delete a job from the store, with its image files when `with_files`."""
        if job.id in self._running:
            raise StillRunning("it is still running: cancel it first")
        if with_files:
            for name in job.files:
                Path(name).unlink(missing_ok=True)
        self.backend.open_store().delete(job.id)

    # ---- reads (blocking: call them from a thread) ----------------------------------------------

    def history(self, older_than: JobSnapshot | None, limit: int) -> list[JobSnapshot]:
        """Up to `limit` stored jobs, newest first, after `older_than` (None: from the newest).
        *Blocking.*"""

        def query(store: Store) -> list[Job]:
            # Start after the oldest shown (jobs added meanwhile are newer: they shift nothing).
            after = (older_than.created_at, older_than.id) if older_than else None
            return store.jobs(JobQuery(limit=limit, after=after))

        return [job.snapshot() for job in self._reads.run(query)]

    def library_page(self, query: JobQuery) -> Page:
        """The jobs `query` selects and how many it matches. *Blocking.*"""
        page = self._reads.run(lambda store: library.page(store, query))
        return Page(tuple(job.snapshot() for job in page.jobs), page.total)

    def facets(self) -> dict[str, list[str]]:
        """The providers, models and states the library holds. *Blocking.*"""
        return self._reads.run(Store.facets)

    def measure_spend(self) -> tuple[Spend, Spend]:
        """Today's and this session's spend (hand them to `spending.update`). *Blocking.*"""
        now = self.clock()
        return self._reads.run(lambda store: self.spending.measure(store, now))
