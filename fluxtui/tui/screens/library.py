"""The library: every job ever made, newest first, with thumbnails; searched and filtered by
provider, model, state and date, sorted by date or time to image. From an entry: show it large
with its provenance, copy it into the form, re-run, open, copy its path, export, delete, reopen
its comparison, or walk its lineage (`library_lineage`).

Queries go through the controller (`library_page`, `facets`, `load_comparison`) in thread
workers (SQLite is blocking); the list loads pages as they come into view.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import Header, Input, Select, Static

from fluxtui.control.controller import Controller
from fluxtui.control.outcomes import StillRunning
from fluxtui.control.threaded_store import StoreClosed
from fluxtui.core import exports, library
from fluxtui.core.comparison import Comparison
from fluxtui.core.errors import FluxtuiError
from fluxtui.core.job_rows import JobQuery
from fluxtui.core.library import WhenError
from fluxtui.core.models import JobSnapshot, JobState
from fluxtui.core.text import inert
from fluxtui.tui import format as fmt
from fluxtui.tui import safe, system
from fluxtui.tui.image_support import ImageBackend
from fluxtui.tui.key_commands import Providers, key_commands
from fluxtui.tui.key_table import LIBRARY_KEYS, LIBRARY_SCREEN_KEYS
from fluxtui.tui.keymap import bindings, conditions
from fluxtui.tui.library_pages import is_filtered
from fluxtui.tui.lineage_keys import LINEAGE_KEYS
from fluxtui.tui.messages import (
    CopyPath,
    JobDeleted,
    JobEnded,
    LoadForm,
    SendRequest,
    ShowComparison,
    UseAsInput,
)
from fluxtui.tui.screens.confirm import ConfirmScreen
from fluxtui.tui.screens.image_view import ImageView
from fluxtui.tui.screens.library_lineage import LineageScreen
from fluxtui.tui.screens.path_prompt import PathPrompt
from fluxtui.tui.widgets.key_footer import KeyFooter
from fluxtui.tui.widgets.library_list import LibraryList
from fluxtui.tui.widgets.lineage_panel import LineagePanel

TYPING_DELAY_S = 0.25  # search once typing pauses this long
SORTS = (
    ("newest first", "newest"),
    ("oldest first", "oldest"),
    ("fastest to image", "fastest"),
    ("slowest to image", "slowest"),
)
ENTRY_KEYS = (*LIBRARY_KEYS, *LINEAGE_KEYS)  # bound on the list
WHEN = conditions(ENTRY_KEYS)


class LibraryScreen(LineageScreen):
    # typed by textual.dom.DOMNode
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = bindings(LIBRARY_SCREEN_KEYS)
    COMMANDS: ClassVar[Providers] = {key_commands((*ENTRY_KEYS, *LIBRARY_SCREEN_KEYS), "Library")}
    AUTO_FOCUS = "#lib-list"

    def __init__(self, controller: Controller, images: ImageBackend):
        super().__init__()
        self.controller = controller
        self.images = images
        self.list = LibraryList(controller.library_page, id="lib-list")
        self.panel = LineagePanel(controller.lineage.family, id="lib-lineage")
        self._typing: Timer | None = None
        self._query = JobQuery()

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Horizontal(id="lib-filters"):
            with Horizontal(id="lib-filter-text"):
                yield Input(placeholder="search prompts  ( / )", id="lib-search", compact=True)
                yield Input(placeholder="since: 7d, today, date", id="lib-since", compact=True)
            with Horizontal(id="lib-filter-choices"):
                for name in ("provider", "model", "state"):
                    yield Select[str]([], prompt=f"any {name}", id=f"lib-{name}", compact=True)
                yield Select[str](
                    SORTS, value="newest", allow_blank=False, id="lib-sort", compact=True
                )
        yield Static("", id="lib-status")
        yield self.list
        yield self.panel
        yield KeyFooter()

    def on_mount(self) -> None:
        self.list.show(self._query)
        self._load_facets()

    @work(thread=True, group="library-facets", exit_on_error=False)
    def _load_facets(self) -> None:
        try:
            facets = self.controller.facets()
        except StoreClosed:
            return  # the library closed meanwhile
        self.app.call_from_thread(self._show_facets, facets)

    def _show_facets(self, facets: dict[str, list[str]]) -> None:
        for name, values in facets.items():
            select = self.query_one(f"#lib-{name}", Select)
            chosen = select.value
            with self.prevent(Select.Changed):
                select.set_options([(safe.text(value), value) for value in values])
                if chosen in values:
                    select.value = chosen

    # ---- filters --------------------------------------------------------------------------------

    def _read_filters(self) -> JobQuery | str:
        """The query the filters describe, or what is wrong with the date."""

        def chosen(name: str) -> str | None:
            value = self.query_one(f"#lib-{name}", Select).value
            return value if isinstance(value, str) else None

        since_text = self.query_one("#lib-since", Input).value.strip()
        try:
            since = library.parse_when(since_text) if since_text else None
        except WhenError as exc:
            return str(exc)
        state = chosen("state")
        return JobQuery(
            search=self.query_one("#lib-search", Input).value.strip() or None,
            provider=chosen("provider"),
            model=chosen("model"),
            state=JobState(state) if state else None,
            since=since,
            sort=chosen("sort") or "newest",
        )

    def apply_filters(self) -> None:
        """Show what the filters select now (a date that cannot be read says why instead)."""
        if self._typing is not None:
            self._typing.stop()
            self._typing = None
        query = self._read_filters()
        if isinstance(query, str):
            self._status(Text(query, style="bold red"))
            return
        if query != self._query:
            self._query = query
            self.list.show(query)

    def show_query(self, query: JobQuery, index: int, total: int) -> None:
        if query != self._query:  # the filters hid the job: `query` has none
            with self.prevent(Input.Changed, Select.Changed):
                for name in ("search", "since"):
                    self.query_one(f"#lib-{name}", Input).value = ""
                for name in ("provider", "model", "state"):
                    self.query_one(f"#lib-{name}", Select).clear()
            self._query = query
        self.list.show(query, select=(index, total))
        self.list.focus()

    @on(Input.Changed)
    def _typed(self) -> None:
        if self._typing is not None:
            self._typing.stop()
        self._typing = self.set_timer(TYPING_DELAY_S, self.apply_filters)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.apply_filters()
        self.list.focus()

    @on(Select.Changed)
    def _chosen(self) -> None:
        self.apply_filters()

    def on_job_ended(self, _: JobEnded) -> None:
        """A job ended while the library is open: show it (or its new state) where it belongs."""
        self.list.show(self._query, keep_cursor=True)

    # ---- the list says --------------------------------------------------------------------------

    @on(LibraryList.Loaded)
    def _loaded(self, message: LibraryList.Loaded) -> None:
        words = "match the filters" if is_filtered(self._query) else "in the library"
        count = f"{message.total:,} job{'s' if message.total != 1 else ''} {words}"
        self._status(
            Text.assemble(count, ("  ·  enter shows one · / searches · tab filters", "dim"))
        )
        self.refresh_bindings()  # the entry's keys work only when there are entries

    def _status(self, text: Text) -> None:
        self.query_one("#lib-status", Static).update(text)

    # ---- actions --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The entry's keys work while there are entries (each says when it does not apply to
        the one under the cursor): the footer stays put as the cursor moves."""
        if WHEN.get(action) == "entries" and not self.list.pages.total:
            return None
        return True

    def _entry(self, *, image: bool = False) -> JobSnapshot | None:
        """The entry under the cursor (with an image, when `image`); None, said, when not."""
        job = self.list.current
        if job is not None and image and not (job.state is JobState.DONE and job.files):
            self.notify(
                f"this entry has no image ({job.state.label})", severity="warning", timeout=3
            )
            return None
        return job

    def action_show_entry(self) -> None:
        job = self._entry()
        if job is None:
            return
        path = Path(job.files[0]) if job.state is JobState.DONE and job.files else None
        title = f"{fmt.GLYPHS[job.state]} {job.request.provider} · {job.request.model}"
        self.app.push_screen(ImageView(self.images, path, title, provenance(job)))

    def action_entry_to_form(self) -> None:
        job = self._entry()
        if job is None:
            return
        if job.request.provider not in self.controller.backend.base_config.providers:
            self.notify(
                f"no provider is named {job.request.provider!r} in the config now",
                severity="warning",
            )
            return
        self.post_message(LoadForm(job.request))
        self.dismiss()

    def action_use_entry_as_input(self) -> None:
        job = self._entry(image=True)
        if job is not None:
            self.post_message(UseAsInput(job))
            self.dismiss()

    def action_rerun_entry(self) -> None:
        job = self._entry()
        if job is not None:
            self.post_message(SendRequest(job.request))
            self.notify("sent again: it is on top of the list and in the main queue", timeout=4)
            self.list.show(self._query)

    @work(group="open-file", exit_on_error=False)
    async def action_open_entry(self) -> None:
        job = self._entry(image=True)
        if job is not None:
            problem = await system.open_in_viewer(Path(job.files[0]))
            if problem:
                self.notify(problem, title="Cannot open the image", severity="warning", timeout=8)

    def action_copy_entry_path(self) -> None:
        job = self._entry(image=True)
        if job is not None:
            self.post_message(CopyPath(Path(job.files[0])))

    def action_export_entry(self) -> None:
        job = self._entry(image=True)
        if job is None:
            return

        def chosen(folder: str | None) -> None:
            if folder:
                self._export(job, Path(folder).expanduser())

        question = "Copy the image (its original bytes) and a JSON sidecar of its provenance to:"
        self.app.push_screen(PathPrompt(question, os.getcwd()), chosen)

    @work(thread=True, group="library-export", exit_on_error=False)
    def _export(self, job: JobSnapshot, folder: Path) -> None:
        try:
            written = exports.export_job(job, folder)
        except OSError as exc:
            self.app.call_from_thread(
                self.notify, f"cannot export to {folder}: {exc}", title="Export", severity="error"
            )
            return
        where = fmt.short_path(folder)
        note = f"{len(written.files)} image(s) and {written.sidecar.name} in {where}"
        if written.missing:
            note += f"\nmissing on disk: {', '.join(written.missing)}"
        self.app.call_from_thread(self.notify, note, title="Exported", timeout=6)

    def action_delete_entry(self) -> None:
        job = self._entry()
        if job is None:
            return
        if self.controller.is_running(job.id):
            self.notify("it is still running: cancel it first (main screen, c)", severity="warning")
            return
        question = f"Delete this job and its image?\n{fmt.one_line(job.request.prompt)[:70]}"
        if job.files:
            question += "\n" + "\n".join(fmt.short_path(name) for name in job.files)

        def answered(answer: str | None) -> None:
            if answer != "delete":
                return
            try:
                self.controller.delete(job, with_files=True)
            except StillRunning as exc:
                self.notify(str(exc), severity="warning")
                return
            self.post_message(JobDeleted(job.id))
            self.list.show(self._query, keep_cursor=True)
            self.notify("deleted", timeout=3)

        self.app.push_screen(ConfirmScreen(question, [("y", "Delete", "delete")]), answered)

    def action_open_comparison(self) -> None:
        job = self._entry()
        if job is None:
            return
        group = job.group_id
        if group is None:
            self.notify("this entry is not part of a comparison", timeout=3)
            return
        self._load_comparison(group)

    @work(thread=True, group="library-comparison", exit_on_error=False)
    def _load_comparison(self, comparison_id: str) -> None:
        try:
            comparison, jobs = self.controller.load_comparison(comparison_id)
        except StoreClosed:
            return  # the app is closing
        except FluxtuiError as exc:  # not found (deleted meanwhile)
            self.app.call_from_thread(self.notify, str(exc), title="Comparison", severity="warning")
            return
        self.app.call_from_thread(self._show_comparison, comparison, jobs)

    def _show_comparison(self, comparison: Comparison, jobs: list[JobSnapshot]) -> None:
        self.post_message(ShowComparison(comparison, jobs))

    def action_focus_search(self) -> None:
        self.query_one("#lib-search", Input).focus()

    def action_close(self) -> None:
        if self.focused is not self.list:
            self.list.focus()
        else:
            self.dismiss()


def provenance(job: JobSnapshot) -> Text:
    """Everything known about a job, from its sidecar (what `export` writes; secrets redacted)."""
    data = exports.sidecar(job)
    text = Text()

    def line(label: str, value: Any, style: str = "") -> None:
        if value not in (None, "", [], {}):
            text.append(f"{label:<12}", style="dim")
            text.append(inert(str(value), multiline=True) + "\n", style=style)

    line("prompt", data["prompt"], "italic")
    line("seed", data["seed"] if data["seed"] is not None else job.request.params.get("seed"))
    line("provider", data["provider"])
    line("model", data["model"])
    line("size", f"{job.width}×{job.height}" if job.width and job.height else None)
    line("params", json.dumps(data["params"], ensure_ascii=False))
    line("extra", json.dumps(data["extra"], ensure_ascii=False) if data["extra"] else None)
    line("state", data["state"], "bold")
    if data["error"]:
        line("reason", data["error"]["message"], "red")
    timings = data["timings"]
    line(
        "timings",
        " · ".join(
            f"{name} {timings[name]:.2f} s"
            for name in ("queued", "running", "download", "total")
            if timings.get(name) is not None
        ),
    )
    line("created", data["created_at"])
    line("job", data["job_id"])
    line("comparison", data["group_id"])
    for path in data["source_files"]:
        line("file", fmt.short_path(path), "underline")  # as the list shows it: ~ for home
    line("made by", data["generator"], "dim")
    return text
