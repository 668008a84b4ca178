"""The jobs the app shows, newest first: this session's and recent ones from the store.

A plain view model shared by the queue and the preview; the app is the only one that changes it.
It holds `JobSnapshot`s: each engine event replaces a job's snapshot with the one it carries.
"""

from __future__ import annotations

from fluxtui.core.models import JobSnapshot


class JobBoard:
    """Every lookup the queue makes per line or per event is O(1): the cost of showing a job does
    not grow with the number of jobs (this session's on top, newest first; the store's below)."""

    def __init__(self, *, demo: bool = False) -> None:
        self.demo = demo  # the app's mode: it carries on demo jobs only in demo mode
        self.jobs: dict[str, JobSnapshot] = {}
        self.details: dict[str, str] = {}  # the engine's latest word on a live job ("retrying…")
        self.session: set[str] = set()  # ids of the jobs run by this session
        self._top: list[str] = []  # this session's jobs, oldest first (shown reversed, on top)
        self._bottom: list[str] = []  # the store's, newest first (shown below)
        self._places: dict[str, tuple[bool, int]] = {}  # id -> (on top, place in its list)
        self._live: set[str] = set()  # this session's unfinished jobs

    @property
    def order(self) -> list[str]:
        """Job ids as shown, newest first (a new list)."""
        return [*reversed(self._top), *self._bottom]

    def __len__(self) -> int:
        return len(self._top) + len(self._bottom)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self.jobs

    def get(self, job_id: str | None) -> JobSnapshot | None:
        return self.jobs.get(job_id) if job_id else None

    def id_at(self, index: int) -> str | None:
        top = len(self._top)
        if 0 <= index < top:
            return self._top[top - 1 - index]
        if top <= index < top + len(self._bottom):
            return self._bottom[index - top]
        return None

    def at(self, index: int) -> JobSnapshot | None:
        job_id = self.id_at(index)
        return self.jobs[job_id] if job_id is not None else None

    def index(self, job_id: str) -> int | None:
        place = self._places.get(job_id)
        if place is None:
            return None
        on_top, at = place
        return len(self._top) - 1 - at if on_top else len(self._top) + at

    def add(self, job: JobSnapshot) -> bool:
        """A job of this session, on top (or in place, when it is shown already; an older
        snapshot than the one held is ignored). Whether the job is new to the board."""
        self.session.add(job.id)
        held = self.jobs.get(job.id)
        if held is None:
            self._places[job.id] = (True, len(self._top))
            self._top.append(job.id)
        elif len(held.history) > len(job.history):
            return False
        self.jobs[job.id] = job
        if job.state.is_terminal:
            self._live.discard(job.id)
        else:
            self._live.add(job.id)
        return held is None

    def add_history(self, jobs: list[JobSnapshot]) -> None:
        """Older jobs from the store (newest first), below those shown."""
        for job in jobs:
            if job.id not in self.jobs:
                self._places[job.id] = (False, len(self._bottom))
                self._bottom.append(job.id)
                self.jobs[job.id] = job

    def remove(self, job_id: str) -> None:
        if self.jobs.pop(job_id, None) is not None:
            on_top, _ = self._places.pop(job_id)
            kept = self._top if on_top else self._bottom
            kept.remove(job_id)
            self._places.update({i: (on_top, at) for at, i in enumerate(kept)})
        self.details.pop(job_id, None)
        self.session.discard(job_id)
        self._live.discard(job_id)

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
        return [self.jobs[job_id] for job_id in self._live]

    def live_count(self) -> int:
        return len(self._live)

    def oldest_stored(self) -> JobSnapshot | None:
        """The oldest job shown that came from the store (history pages go on after it)."""
        return self.jobs[self._bottom[-1]] if self._bottom else None
