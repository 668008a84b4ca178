"""The library's two lineage lines for the entry under the cursor: what it was made from (the
jobs its input images came from, or the files and URLs) and what it was used in (the jobs that
took its image). The family is read in a thread worker once the cursor rests."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

from fluxtui.control.lineage_reads import Family
from fluxtui.control.threaded_store import StoreClosed
from fluxtui.core.models import JobSnapshot
from fluxtui.tui.lineage_text import made_from, used_in

DELAY_S = 0.05  # read the family once the cursor rests this long


class LineagePanel(Static):
    def __init__(self, load: Callable[[JobSnapshot], Family], *, id: str | None = None):
        """`load`: a job's family (blocking: it is called from thread workers)."""
        super().__init__("", id=id)
        self._load = load
        self.job: JobSnapshot | None = None
        self.family: Family | None = None  # of `job`, once read
        self._timer: Timer | None = None

    def show_for(self, job: JobSnapshot | None) -> None:
        """Show `job`'s lineage (read again even when it is the one shown: it may have a new
        child); None: nothing is under the cursor."""
        if job is None or self.job is None or job.id != self.job.id:
            self.family = None
        self.job = job
        self._draw()
        if self._timer is not None:
            self._timer.stop()
        if job is not None:
            self._timer = self.set_timer(DELAY_S, lambda: self._read(job))

    def _read(self, job: JobSnapshot) -> None:
        self.run_worker(
            lambda: self._fetch(job), thread=True, group="lineage-panel", exit_on_error=False
        )

    def _fetch(self, job: JobSnapshot) -> None:
        """In a thread: read the family and hand it to the event loop."""
        try:
            family = self._load(job)
        except StoreClosed:
            return  # the library closed meanwhile
        self.app.call_from_thread(self._fetched, job, family)

    def _fetched(self, job: JobSnapshot, family: Family) -> None:
        if self.job is not None and job.id == self.job.id:
            self.family = family
            self._draw()

    def _draw(self) -> None:
        job = self.job
        if job is None:
            self.update("")
            return
        self.update(Text("\n").join([made_from(job, self.family), used_in(self.family)]))
