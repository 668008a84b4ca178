"""Comparisons and sweeps, side by side: `CompareScreen` shows the targets (a sweep: its cells, in
its columns × rows under its axes' labels) as a grid of inline previews filling in from the app's
job updates, with the core's table (`compare_table.rows`) under it; the app opens it on a stored
one too. `compare_start` and `sweep_picker` start them.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from fluxtui.control.controller import Controller
from fluxtui.control.outcomes import Started
from fluxtui.core import compare_table, compare_text, exports, paths
from fluxtui.core.compare_table import CompareRow
from fluxtui.core.comparison import Comparison
from fluxtui.core.models import JobSnapshot
from fluxtui.core.text import inert
from fluxtui.tui import format as fmt
from fluxtui.tui import system
from fluxtui.tui.image_support import ImageBackend
from fluxtui.tui.key_commands import Providers, key_commands
from fluxtui.tui.key_table import COMPARE_KEYS
from fluxtui.tui.keymap import bindings
from fluxtui.tui.messages import CopyPath, JobsUpdated, LoadForm, Tick
from fluxtui.tui.screens.image_view import ImageView
from fluxtui.tui.sending import attempt
from fluxtui.tui.widgets.compare_grid import CompareCell, CompareGrid, cell_view
from fluxtui.tui.widgets.key_footer import KeyFooter

#: the table's columns (the core's), what matters most first: a narrow terminal cuts the rest
TABLE_COLUMNS = (
    "target",
    "state",
    "total",
    "price/image",
    "marks",
    "queued",
    "running",
    "download",
    "image",
    "file",
    "dropped",
)
RIGHT_ALIGNED = frozenset({"queued", "running", "download", "total", "file", "price/image"})


# ---- the screen ----------------------------------------------------------------------------------


class CompareScreen(Screen[None]):
    """A comparison: a cell per target over the table of timings, sizes and prices."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "move_cell(-1, 0)", "Left", show=False),
        Binding("right,l", "move_cell(1, 0)", "Right", show=False),
        Binding("up,k", "move_cell(0, -1)", "Up", show=False),
        Binding("down,j", "move_cell(0, 1)", "Down", show=False),
        *bindings(COMPARE_KEYS),
    ]
    COMMANDS: ClassVar[Providers] = {key_commands(COMPARE_KEYS, "Comparison")}

    def __init__(
        self,
        controller: Controller,
        comparison: Comparison,
        jobs: list[JobSnapshot],
        images: ImageBackend,
    ):
        super().__init__()
        self.controller = controller
        self.comparison = comparison
        self.jobs = {job.id: job for job in jobs}
        self.images = images
        self.grid = CompareGrid(
            len(comparison.entries), images, id="compare-grid", axes=comparison.axes
        )
        self.table: DataTable[Text] = DataTable(id="compare-table", cursor_type="row")
        self.table.can_focus = False  # the keys move between the cells; a click picks a row
        self.rows: list[CompareRow] = []
        self.selected = 0
        self._export_due = False  # export once every job has ended (again after a re-run)

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield Static(self._heading(), id="compare-head")
        yield self.grid
        yield self.table
        yield Static("", id="compare-status")
        yield KeyFooter()

    def _heading(self) -> Text:
        comparison = self.comparison
        text = Text(f"“{fmt.one_line(comparison.prompt)}”", style="italic")
        if comparison.axes:
            varied = " × ".join(axis.name for axis in comparison.axes)
            text.append(f"  sweep of {inert(varied)}", style="bold")
            shared = inert(compare_text.fixed_text(comparison))
        else:
            shared = inert(compare_text.shared_text(comparison.params, " · "))
        text.append(f"  {shared}" if shared else "", style="dim")
        name = comparison.set_name
        text.append(f"  · set {inert(name)}" if name else "", style="dim")
        text.append(f"  · {comparison.id}", style="dim")
        return text

    def on_mount(self) -> None:
        for column in TABLE_COLUMNS:
            self.table.add_column(column, key=column)
        folder = self._folder()
        self._export_due = not self._ended() or not (folder / "sheet.png").exists()
        if not self._export_due:
            self._show_folder(folder)
        self._refresh_view()
        if self.grid.cells:
            self.grid.cells[0].focus()

    # ---- following the jobs ---------------------------------------------------------------------

    def job_of(self, index: int) -> JobSnapshot | None:
        job_id = self.comparison.entries[index].job_id
        return self.jobs.get(job_id) if job_id else None

    def shows(self, job_id: str) -> bool:
        """Whether `job_id` is one of the targets on screen now."""
        return job_id in self.comparison.job_ids

    def _ended(self) -> bool:
        return all(job.state.is_terminal for job in self._current_jobs())

    def _current_jobs(self) -> list[JobSnapshot]:
        return [job for i in range(len(self.comparison.entries)) if (job := self.job_of(i))]

    def on_jobs_updated(self, message: JobsUpdated) -> None:
        """News of jobs from the app: take those of this comparison's targets, and redraw."""
        changed = [job for job_id, job in message.jobs.items() if job_id in self.jobs]
        for job in changed:
            self.jobs[job.id] = job
        if changed:
            self._refresh_view()

    def on_tick(self, _: Tick) -> None:
        if any(self.controller.is_running(job.id) for job in self._current_jobs()):
            self._refresh_view()  # the elapsed times

    def _refresh_view(self) -> None:
        """Redraw the cells and the table; export once every job has ended."""
        now = self.controller.clock()
        jobs = self._current_jobs()
        prices = self.controller.spending.prices
        self.rows = compare_table.rows(self.comparison, jobs, prices)
        for index, (cell, row) in enumerate(zip(self.grid.cells, self.rows, strict=True)):
            job = self.job_of(index)
            live = job is not None and self.controller.is_running(job.id)
            cell.show(cell_view(row, job, live=live, now=now, favourite=row.favourite))
        self._fill_table()
        if self._export_due and self._ended():
            self._export_due = False
            self._export(quiet=True)

    def _fill_table(self) -> None:
        table = self.table
        table.clear()
        for index, row in enumerate(self.rows):
            cells = compare_text.cells(row)
            cells["state"] = row.state  # its cell says why, at length
            cells["marks"] = ", ".join(f"★ {m}" if m == "favourite" else m for m in row.marks)
            table.add_row(
                *(self._cell(name, cells[name], row) for name in TABLE_COLUMNS), key=str(index)
            )
        if self.rows:
            table.move_cursor(row=self.selected, animate=False)

    @staticmethod
    def _cell(column: str, value: str, row: CompareRow) -> Text:
        style = ""
        if column == "state":
            style = "green" if row.done else ("red" if row.reason else "")
        elif column == "marks":
            style = "bold green"
        elif column == "dropped":
            style = "yellow"
        elif (column == "total" and row.fastest) or (column == "price/image" and row.cheapest):
            style = "bold green"
        return Text(
            inert(value), style=style, justify="right" if column in RIGHT_ALIGNED else "left"
        )

    # ---- selection ------------------------------------------------------------------------------

    @on(CompareCell.Selected)
    def _cell_selected(self, event: CompareCell.Selected) -> None:
        self._select(event.index)

    def _select(self, index: int) -> None:
        """Keys act on target `index` from now on (its cell gets the focus)."""
        self.selected = index
        self.table.move_cursor(row=index, animate=False)

    @on(DataTable.RowSelected)
    def _row_clicked(self, event: DataTable.RowSelected) -> None:
        self._select(event.cursor_row)
        self.grid.cells[event.cursor_row].focus()

    def action_move_cell(self, dx: int, dy: int) -> None:
        cells = self.grid.cells
        target = self.selected + dx + dy * self.grid.columns
        if 0 <= target < len(cells):
            self._select(target)
            cells[target].focus()

    # ---- actions --------------------------------------------------------------------------------

    def _image(self) -> Path | None:
        """The selected target's image; None (said) when it has none."""
        row = self.rows[self.selected]
        if row.done and row.files:
            return Path(row.files[0])
        name = row.cell or str(row.target)
        self.notify(f"{name} has no image ({row.state})", severity="warning", timeout=3)
        return None

    def action_enlarge(self) -> None:
        cell = self.grid.cells[self.selected]
        view = cell.view
        if view is None:
            return
        details = Text.assemble(
            (view.subtitle, "bold"),
            "\n",
            view.body,
            "\n",
            view.foot,
            "\n",
            (fmt.one_line(self.comparison.prompt), "italic"),
        )
        self.app.push_screen(ImageView(self.images, view.image, view.title, details))

    def action_to_form(self) -> None:
        """The selected cell's request (its prompt, fixed settings and values on the axes) into
        the main screen's form; back there."""
        job = self.job_of(self.selected)
        if job is None:
            self.notify(
                "this cell was not sent: " + (self.rows[self.selected].reason or ""),
                severity="warning",
            )
            return
        self.post_message(LoadForm(job.request))
        for _ in range(len(self.app.screen_stack) - 1):  # down to the main screen
            self.app.pop_screen()

    def action_rerun(self) -> None:
        job = self.job_of(self.selected)
        if job is None:
            self.notify(
                "this target was not sent: " + (self.rows[self.selected].reason or ""),
                severity="warning",
            )
            return
        if self.controller.is_running(job.id):
            self.notify("it is still running", severity="warning", timeout=3)
            return

        def send(over_budget: bool) -> Started:
            return self.controller.rerun_target(self.comparison, job, over_budget=over_budget)

        attempt(self.app, send, partial(self._rerun_started, job))

    def _rerun_started(self, old: JobSnapshot, started: Started) -> None:
        if started.comparison is not None:
            self.comparison = started.comparison
        self.jobs.pop(old.id, None)
        self.jobs.update((job.id, job) for job in started.jobs)
        self._export_due = True
        self._refresh_view()

    def action_favourite(self) -> None:
        job_id = self.rows[self.selected].job_id
        if job_id is None:
            self.notify("this target was not sent", severity="warning", timeout=3)
            return
        keep = None if self.comparison.favourite == job_id else job_id
        self.comparison = self.controller.set_favourite(self.comparison, keep)
        self._refresh_view()

    def action_export(self) -> None:
        self._export(quiet=False)

    def _folder(self) -> Path:
        return exports.comparison_folder(
            self.controller.library_dir or paths.library_dir(), self.comparison
        )

    def _export(self, *, quiet: bool) -> None:
        self.query_one("#compare-status", Static).update(
            Text("writing the sheet and tables…", style="dim")
        )
        self._write_exports(self.comparison, list(self.rows), self._folder(), quiet)

    @work(thread=True, group="compare-export", exit_on_error=False)
    def _write_exports(
        self, comparison: Comparison, rows: list[CompareRow], folder: Path, quiet: bool
    ) -> None:
        written = exports.export_comparison(comparison, rows, folder)
        self.app.call_from_thread(self._exported, written, quiet)

    def _exported(self, written: exports.ComparisonExport, quiet: bool) -> None:
        self._show_folder(written.folder)
        if not quiet:
            self.notify(fmt.short_path(written.folder), title="Comparison exported", timeout=5)

    def _show_folder(self, folder: Path) -> None:
        self.query_one("#compare-status", Static).update(
            Text.assemble(
                ("sheet.png, table.md, table.csv, table.json in ", "dim"),
                fmt.short_path(folder),
                ("  (x writes them again)", "dim"),
            )
        )

    @work(group="open-file", exit_on_error=False)
    async def action_open_file(self) -> None:
        path = self._image()
        if path is not None:
            problem = await system.open_in_viewer(path)
            if problem:
                self.notify(problem, title="Cannot open the image", severity="warning", timeout=8)

    def action_copy_path(self) -> None:
        path = self._image()
        if path is not None:
            self.post_message(CopyPath(path))

    def action_close(self) -> None:
        self.dismiss()
