"""The library's lineage half (the base of `LibraryScreen`): the entry's "made from" and "used
in" lines, and walking its chain: `[` to the job its input came from, `]` to a job that took its
image (a chooser when there are several), `L` the whole chain, first image → … → the entry.

Going to a job moves the list's cursor onto it, on whatever page it is; when the filters hide
it, they are cleared first (the sort kept), and the screen says so. Reads go through the
controller's `lineage` in thread workers.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import on, work
from textual.screen import Screen

from fluxtui.control.controller import Controller
from fluxtui.control.lineage_reads import MAX_LISTED, Chain, Located
from fluxtui.control.threaded_store import StoreClosed
from fluxtui.core.job_rows import JobQuery
from fluxtui.core.models import JobSnapshot, short_id
from fluxtui.tui.screens.job_chooser import JobChooser
from fluxtui.tui.widgets.library_list import LibraryList
from fluxtui.tui.widgets.lineage_panel import LineagePanel


class LineageScreen(Screen[None]):
    """What `LibraryScreen` gives it: the controller, the list, the panel, and `show_query`."""

    controller: Controller
    list: LibraryList
    panel: LineagePanel
    _query: JobQuery  # what the filters select

    def show_query(self, query: JobQuery, index: int, total: int) -> None:
        """Show `query`'s jobs (its filters in the filter fields) with the cursor on row
        `index` of `total`."""
        raise NotImplementedError

    def on_mount(self) -> None:
        self.watch(self.list, "cursor", self._entry_moved, init=False)

    def _entry_moved(self) -> None:
        self.panel.show_for(self.list.current)

    @on(LibraryList.Loaded)
    def _page_loaded(self) -> None:
        self.panel.show_for(self.list.current)

    # ---- the walks ------------------------------------------------------------------------------

    def action_to_parent(self) -> None:
        job = self.list.current
        if job is None:
            return
        if not any(i.parent_job for i in job.request.inputs):
            made = "files or URLs" if job.request.inputs else "the prompt alone"
            self.notify(f"this image was made from {made}, not from the library", timeout=3)
            return
        self._walk(job, "parents")

    def action_to_child(self) -> None:
        job = self.list.current
        if job is not None:
            self._walk(job, "children")

    def action_show_chain(self) -> None:
        job = self.list.current
        if job is not None:
            self._walk(job, "chain")

    @work(thread=True, group="library-lineage", exit_on_error=False)
    def _walk(self, job: JobSnapshot, where: str) -> None:
        reads = self.controller.lineage
        try:
            if where == "chain":
                chain = reads.chain(job.id)
                self.app.call_from_thread(self._show_chain, job, chain)
                return
            found = reads.parents(job.id) if where == "parents" else reads.children(job.id)
        except StoreClosed:
            return  # the library closed meanwhile
        self.app.call_from_thread(self._walked, job, where, found)

    def _walked(self, job: JobSnapshot, where: str, found: Sequence[JobSnapshot]) -> None:
        if not found:
            gone = "its input's job was deleted" if where == "parents" else None
            self.notify(gone or "no job was made from this image yet", timeout=3)
        elif len(found) == 1:
            self.go_to(found[0].id)
        else:
            title = f"{short_id(job.id)} was made from {len(found)} jobs"
            if where == "children":
                family = self.panel.family
                total = family.child_total if family and family.job_id == job.id else len(found)
                title = f"{short_id(job.id)} is used in {total} jobs"
            note = f"the first {MAX_LISTED} are listed" if len(found) >= MAX_LISTED else ""
            self._choose(JobChooser(title, found, note=note))

    def _show_chain(self, job: JobSnapshot, chain: Chain) -> None:
        jobs = list(chain.jobs) or [job]
        first = short_id(jobs[0].id)
        note = {
            None: "",
            "deleted": f"{first} was made from a job no longer in the library",
            "loop": f"the lineage loops at {first}: each job is listed once",
            "long": f"the chain goes on before {first}",
        }[chain.cut]
        title = f"Chain of {short_id(job.id)}: first image → … → this"
        self._choose(JobChooser(title, jobs, current=job.id, note=note, arrows=True))

    def _choose(self, chooser: JobChooser) -> None:
        def chosen(job_id: str | None) -> None:
            if job_id is not None:
                self.go_to(job_id)

        self.app.push_screen(chooser, chosen)

    # ---- going to a job -------------------------------------------------------------------------

    def go_to(self, job_id: str) -> None:
        """Move the cursor onto `job_id` (clearing the filters if they hide it)."""
        self._locate(job_id, self._query)

    @work(thread=True, group="library-lineage", exit_on_error=False)
    def _locate(self, job_id: str, query: JobQuery) -> None:
        try:
            located = self.controller.lineage.locate(job_id, query)
        except StoreClosed:
            return
        self.app.call_from_thread(self._arrive, job_id, located)

    def _arrive(self, job_id: str, located: Located | None) -> None:
        if located is None:
            self.notify(f"job {short_id(job_id)} is no longer in the library", severity="warning")
            return
        if located.widened:
            self.notify(f"the filters hid job {short_id(job_id)}: cleared them", timeout=4)
        self.show_query(located.query, located.index, located.total)
