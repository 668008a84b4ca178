"""Live progress of jobs on stderr: redrawn lines on a terminal, one line per change elsewhere.

It knows the jobs only from the engine's events (each carries a snapshot of its job), and every
text from outside (model ids, provider messages, log lines) goes through `inert` first.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from typing import TextIO

from fluxtui.core.models import Job, JobEvent, JobSnapshot, JobState
from fluxtui.core.text import inert


def describe(job: Job | JobSnapshot, now: float | None = None) -> str:
    """One line: provider, model, state with its detail, elapsed seconds."""
    now = time.time() if now is None else now
    end = job.finished_at or now
    detail = ""
    if job.state is JobState.QUEUED and job.queue_position is not None:
        ahead = job.queue_position
        detail = "next in queue" if ahead == 0 else f"{ahead} ahead in queue"
    elif job.state is JobState.RUNNING:
        parts = []
        if job.progress is not None:
            parts.append(f"{job.progress:.0%}")
        if job.log:
            parts.append(job.log)
        detail = " ".join(parts)
    elif job.error is not None:
        detail = job.error.message
    return inert(
        f"{job.request.provider:<7} {job.request.model:<22} {job.state.label:<11} "
        f"{end - job.created_at:6.1f}s  {detail}"
    ).rstrip()


class ProgressPrinter:
    """Listens to the engine and keeps one line per job up to date."""

    def __init__(self, jobs: list[JobSnapshot], stream: TextIO | None = None):
        self.jobs = {job.id: job for job in jobs}
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self._drawn = 0
        self._last: dict[str, tuple[JobState, int | None]] = {}

    def on_event(self, event: JobEvent) -> None:
        if event.job_id not in self.jobs:
            return
        self.jobs[event.job_id] = job = event.job
        if self.live:
            self.redraw()
            return
        key = (event.state, event.queue_position)  # not every log line: this goes to log files
        if self._last.get(job.id) != key:
            self._last[job.id] = key
            print(describe(job), file=self.stream, flush=True)

    def redraw(self) -> None:
        if not self.live:
            return
        up = f"\x1b[{self._drawn}F" if self._drawn else ""
        lines = "".join(f"\x1b[2K{describe(job)}\n" for job in self.jobs.values())
        self.stream.write(up + lines)
        self.stream.flush()
        self._drawn = len(self.jobs)

    def above(self, write: Callable[[], None]) -> None:
        """Run `write` (which prints finished results) above the live lines, not through them."""
        if self.live and self._drawn:
            self.stream.write(f"\x1b[{self._drawn}F\x1b[J")
            self.stream.flush()
            self._drawn = 0
        write()
        self.redraw()

    async def tick(self, interval: float = 0.2) -> None:
        """Keep elapsed times moving while jobs wait (cancel the task to stop)."""
        while self.live:
            self.redraw()
            await asyncio.sleep(interval)
