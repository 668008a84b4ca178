"""The jobs the app shows, newest first: this session's and recent ones from the store.

A plain view model shared by the queue and the preview; the app is the only one that changes it.
It holds `JobSnapshot`s: each engine event replaces a job's snapshot with the one it carries.
"""

from __future__ import annotations

from fluxtui.core.models import JobSnapshot


class JobBoard:
    def __init__(self, *, demo: bool = False) -> None:
        self.demo = demo  # the app's mode: it carries on demo jobs only in demo mode
        self.order: list[str] = []  # job ids, newest first
        self.jobs: dict[str, JobSnapshot] = {}
        self.details: dict[str, str] = {}  # the engine's latest word on a live job ("retrying…")
        self.session: set[str] = set()  # ids of the jobs run by this session

    def __len__(self) -> int:
        return len(self.order)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self.jobs

    def get(self, job_id: str | None) -> JobSnapshot | None:
        return self.jobs.get(job_id) if job_id else None

    def at(self, index: int) -> JobSnapshot | None:
        return self.jobs[self.order[index]] if 0 <= index < len(self.order) else None

    def index(self, job_id: str) -> int | None:
        try:
            return self.order.index(job_id)
        except ValueError:
            return None

    def add(self, job: JobSnapshot) -> bool:
        """A job of this session, on top (or in place, when it is shown already; an older
        snapshot than the one held is ignored). Whether the job is new to the board."""
        self.session.add(job.id)
        held = self.jobs.get(job.id)
        if held is None:
            self.order.insert(0, job.id)
        elif len(held.history) > len(job.history):
            return False
        self.jobs[job.id] = job
        return held is None

    def add_history(self, jobs: list[JobSnapshot]) -> None:
        """Older jobs from the store (newest first), below those shown."""
        for job in jobs:
            if job.id not in self.jobs:
                self.order.append(job.id)
                self.jobs[job.id] = job

    def remove(self, job_id: str) -> None:
        if self.jobs.pop(job_id, None) is not None:
            self.order.remove(job_id)
        self.details.pop(job_id, None)
        self.session.discard(job_id)

    def is_live(self, job: JobSnapshot) -> bool:
        """Whether the job is followed by this session (a stored unfinished one is not)."""
        return job.id in self.session and not job.state.is_terminal

    def resumable(self, job: JobSnapshot) -> bool:
        """Whether `r` would carry the job on without sending it again: it stopped unfinished
        (fluxtui quit, or the provider stopped answering, or its image waits in the cache)."""
        unfinished = not job.state.is_terminal or job.state.is_resumable
        return unfinished and not self.is_live(job)

    def of_this_mode(self, job: JobSnapshot) -> bool:
        """Whether this app carries `job` on (demo jobs in demo mode, the others outside it)."""
        return job.demo == self.demo

    def live(self) -> list[JobSnapshot]:
        return [job for job_id in self.session if not (job := self.jobs[job_id]).state.is_terminal]

    def live_count(self) -> int:
        return len(self.live())

    def oldest_stored(self) -> JobSnapshot | None:
        """The oldest job shown that came from the store (history pages go on after it)."""
        return next((self.jobs[i] for i in reversed(self.order) if i not in self.session), None)
