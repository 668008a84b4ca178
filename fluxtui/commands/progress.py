"""Live progress of jobs on stderr: Rich's live display on a terminal, else a line per change.

It knows the jobs only from the engine's events (each carries a snapshot of its job), and every
text from outside (model ids, provider messages, log lines) goes through `inert` first and into
`rich.text.Text`, never into markup. Rich is imported only when stderr is a terminal.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from fluxtui.core.durations import human, queue_wait
from fluxtui.core.models import JobEvent, JobSnapshot, JobState
from fluxtui.core.text import inert

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.live import Live

#: how often the live display redraws (the elapsed times move between events)
REFRESH_PER_SECOND = 5


def detail(job: JobSnapshot) -> str:
    """What the job's state says besides its name: queue position, progress and log, or why it
    ended (inert)."""
    if job.state is JobState.QUEUED and job.queue_position is not None:
        ahead = job.queue_position
        where = "next in queue" if ahead == 0 else f"{ahead} ahead in queue"
        if wait := queue_wait(ahead, job.place_s):
            where += f", starts in {wait}"
        return where
    if job.state is JobState.RUNNING:
        parts = [f"{job.progress:.0%}"] if job.progress is not None else []
        if job.log:
            parts.append(job.log)
        return inert(" ".join(parts))
    if job.error is not None:
        return inert(job.error.message)
    if not job.state.is_terminal and job.history:  # "…; sending again in 1.0 s"
        return inert(job.history[-1].detail or "")
    return ""


def elapsed(job: JobSnapshot, now: float | None = None) -> str:
    """Since the job was created, up to now or to its end: `2.9 s`, `2 min 5 s`."""
    end = job.finished_at or (time.time() if now is None else now)
    return human(end - job.created_at)


def describe(job: JobSnapshot, now: float | None = None, label: str | None = None) -> str:
    """One line: provider and model (or `label`, what tells the job from its siblings: a
    sweep's cell), state, elapsed time, detail (a log line, a history entry)."""
    who = f"{label:<30}" if label else f"{job.request.provider:<7} {job.request.model:<22}"
    return inert(f"{who} {job.state.label:<11} {elapsed(job, now):>9}  {detail(job)}").rstrip()


class ProgressPrinter:
    """Keeps one line per job up to date while the jobs run (use it as a context manager).

    On a terminal the lines are a live display that fits the terminal's width (a long reason is
    cut there, never wrapped). With `keep_finished` False a job that ends leaves the display,
    and `finished` prints its result above the others, once; with True (a comparison, whose
    table follows) every row stays to the end. The display goes when the printer closes.
    Elsewhere (a log file, a pipe) a line is printed whenever a job's state or queue position
    changes, finished jobs included. `label`, when it names a job, shows in place of its
    provider and model (a sweep's cells share both).
    """

    def __init__(
        self,
        jobs: list[JobSnapshot],
        stream: TextIO | None = None,
        *,
        keep_finished: bool = False,
        label: Callable[[JobSnapshot], str | None] | None = None,
    ):
        self.jobs = {job.id: job for job in jobs}
        self.label = label
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.keep_finished = keep_finished
        self._last: dict[str, tuple[JobState, int | None]] = {}
        self._display: Live | None = None

    def __enter__(self) -> ProgressPrinter:
        if self.live:
            from rich.console import Console
            from rich.live import Live

            console = Console(file=self.stream, markup=False, highlight=False, emoji=False)
            self._display = Live(
                console=console,
                get_renderable=self._render,
                refresh_per_second=REFRESH_PER_SECOND,
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._display.start(refresh=True)
        return self

    def __exit__(self, *_: object) -> None:
        display, self._display = self._display, None
        if display is None:
            return
        display.stop()  # transient: what follows (the results, a table) says how jobs ended

    def on_event(self, event: JobEvent) -> None:
        if event.job_id not in self.jobs:
            return
        self.jobs[event.job_id] = job = event.job
        if self.live:
            if self._display is not None:
                self._display.refresh()
            return
        key = (event.state, event.queue_position)  # not every log line: this goes to log files
        if self._last.get(job.id) != key:
            self._last[job.id] = key
            print(describe(job, label=self._label(job)), file=self.stream, flush=True)

    def follow(self, job: JobSnapshot) -> None:
        """Show `job` too (one just started)."""
        self.jobs.setdefault(job.id, job)
        if self._display is not None:
            self._display.refresh()

    def finished(self, job_id: str, write: Callable[[], None]) -> None:
        """A job ended: run `write` (which prints its result) above the live lines, and take the
        job off them (unless `keep_finished`)."""
        if not self.keep_finished:
            self.jobs.pop(job_id, None)
        self.above(write)

    def above(self, write: Callable[[], None]) -> None:
        """Run `write` (which prints lines of its own) above the live lines, not through them."""
        display = self._display
        if display is None:
            write()
            return
        display.stop()  # transient: the lines are taken away while `write` prints
        try:
            write()
        finally:
            display.start(refresh=True)

    def _label(self, job: JobSnapshot) -> str | None:
        return self.label(job) if self.label else None

    def _render(self) -> RenderableType:
        from rich.table import Table
        from rich.text import Text

        now = time.time()
        # the detail takes what the terminal's width leaves, and is cut there; a model id is
        # cut at 24 columns, a label at 40: the other columns keep their width
        jobs = list(self.jobs.values())
        labels = [self._label(job) for job in jobs]
        labelled = any(labels)
        table = Table.grid(padding=(0, 1), expand=True)
        if labelled:
            table.add_column(no_wrap=True, overflow="ellipsis", max_width=40)  # label
        else:
            table.add_column(no_wrap=True)  # provider
            table.add_column(no_wrap=True, overflow="ellipsis", max_width=24)  # model
        table.add_column(no_wrap=True)  # state
        table.add_column(no_wrap=True, justify="right", min_width=9)  # elapsed
        table.add_column(no_wrap=True, overflow="ellipsis", ratio=1)  # detail
        for job, label in zip(jobs, labels, strict=True):
            request = job.request
            who = [label or request.model] if labelled else [request.provider, request.model]
            table.add_row(
                *(Text(inert(text)) for text in who),
                Text(job.state.label),
                Text(elapsed(job, now)),
                Text(detail(job)),
            )
        return table
