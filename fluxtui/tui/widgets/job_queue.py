"""The job queue: one line per job, newest first, drawn line by line (thousands of jobs stay cheap).

Each line: state (the engine's words) and its live detail (queue position, progress, log, or the
reason it ended), provider, model, prompt, elapsed time. The keys act on the job under the cursor;
the actions themselves belong to the app.

Only the lines in view are drawn, and a line is drawn again only when what it shows changed (its
job's snapshot, detail, elapsed time, the width, the cursor): the app says which jobs changed
(`show_changes`) and the queue repaints the lines in view that show them, so news of jobs out of
view costs nothing, however many jobs there are.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip

from fluxtui.core.models import JobSnapshot
from fluxtui.core.text import inert
from fluxtui.tui import format as fmt
from fluxtui.tui.board import JobBoard
from fluxtui.tui.key_table import JOB_KEYS
from fluxtui.tui.keymap import bindings
from fluxtui.tui.widgets.row_list import RowList

STATE_WIDTH = 13
PROVIDER_WIDTH = 7
MODEL_WIDTH = 16
ELAPSED_WIDTH = 8
DETAIL_SHARE = 0.5
NEAR_END = 30  # rows from the end at which older jobs are asked for


class JobQueue(RowList):
    """Every job of the board; the cursor selects the one the preview shows."""

    DOUBLE_CLICK = "app.zoom"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("home", "move(-1_000_000)", "First", show=False),
        Binding("end", "move(1_000_000)", "Last", show=False),
        Binding("enter", "app.zoom", "Zoom", show=False),
        *bindings(JOB_KEYS),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "job-queue--cursor",
        "job-queue--muted",
        "job-queue--active",
        "job-queue--waiting",
        "job-queue--done",
        "job-queue--bad",
        "job-queue--warn",
        "job-queue--dim",
    }

    class NearEnd(Message):
        """The cursor or the scroll is near the last job shown: older ones may follow."""

        def __init__(self, queue: JobQueue, index: int) -> None:
            super().__init__()
            self.queue = queue
            self.index = index

        @property
        def control(self) -> JobQueue:
            return self.queue

        def still_near(self, shown: int) -> bool:
            """Whether `index` is still near the end with `shown` jobs (pages load in between)."""
            return self.index >= shown - NEAR_END

    class Highlighted(Message):
        """The cursor moved to another job (None: the queue is empty)."""

        def __init__(self, queue: JobQueue, job_id: str | None) -> None:
            super().__init__()
            self.queue = queue
            self.job_id = job_id

        @property
        def control(self) -> JobQueue:
            return self.queue

    def __init__(self, board: JobBoard, clock: Callable[[], float], *, id: str | None = None):
        super().__init__(id=id)
        self.board = board
        self.clock = clock
        self._highlighted: str | None = None
        self._titles: tuple[str, str] = ("", "")
        self._lines: dict[str, tuple[tuple[object, ...], Strip]] = {}  # job id -> (what, line)
        self.rows_drawn = 0  # rows drawn since the start (the tests count them)

    # ---- the app tells the queue what changed ---------------------------------------------------

    @property
    def selected(self) -> str | None:
        job = self.board.at(self.cursor)
        return job.id if job else None

    def jobs_changed(self, *, keep: str | None = None) -> None:
        """Jobs were added or removed: keep the cursor on `keep` (default: the selected job)."""
        keep = keep or self._highlighted
        index = self.board.index(keep) if keep else None
        self.fit_rows()
        self.cursor = index if index is not None else min(self.cursor, max(0, len(self.board) - 1))
        self.update_title()
        self.refresh()

    def select(self, job_id: str) -> None:
        index = self.board.index(job_id)
        if index is not None:
            self.cursor = index

    def update_title(self) -> None:
        live = self.board.live_count()
        total = len(self.board)
        title = f"Jobs · {live} running" if live else "Jobs"
        subtitle = f"{total} job{'s' if total != 1 else ''}" if total else ""
        if (title, subtitle) != self._titles:  # setting one repaints the whole queue
            self._titles = (title, subtitle)
            self.border_title, self.border_subtitle = title, subtitle

    def show_changes(self, job_ids: Container[str] | None = None) -> None:
        """Repaint the lines in view that show `job_ids` (None: the live jobs, whose elapsed
        times move on). Jobs out of view cost nothing."""
        top = int(self.scroll_offset.y)
        for index in range(top, min(top + self.size.height, len(self.board))):
            job_id = self.board.id_at(index)
            if job_id is not None and (
                job_id in job_ids if job_ids is not None else job_id in self.board.session
            ):
                self.refresh_line(index)

    def notify_style_update(self) -> None:
        self._lines.clear()  # another theme: every line is drawn anew
        super().notify_style_update()

    # ---- cursor ---------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.board)

    def watch_cursor(self, cursor: int) -> None:
        super().watch_cursor(cursor)
        self._check_near_end(cursor)
        job_id = self.selected
        if job_id != self._highlighted:
            self._highlighted = job_id
            self.post_message(self.Highlighted(self, job_id))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._check_near_end(int(new) + self.size.height)

    def _check_near_end(self, index: int) -> None:
        if len(self.board) and index >= len(self.board) - NEAR_END:
            self.post_message(self.NearEnd(self, index))

    def on_resize(self) -> None:
        self.fit_rows()

    # ---- drawing --------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = self.row_at(y)
        job = self.board.at(index)
        if job is None:
            text = self._empty_line(y) if not len(self.board) else Text()
            return self.strip(text)
        live = self.board.is_live(job)
        elapsed = self._elapsed(job, live)
        width = self.size.width
        cursor = index == self.cursor
        what = (job, self.board.details.get(job.id), elapsed, width, cursor, self.has_focus, live)
        held = self._lines.get(job.id)
        if held is not None and held[0] == what:
            return held[1]
        text = self.row(job, width, elapsed)
        if cursor:
            text.stylize(self.get_component_rich_style("job-queue--cursor"))
        line = self.strip(text)
        if len(self._lines) > 4 * max(self.size.height, 10):
            self._keep_lines_in_view()
        self._lines[job.id] = (what, line)
        self.rows_drawn += 1
        return line

    def _keep_lines_in_view(self) -> None:
        top = int(self.scroll_offset.y)
        in_view = {self.board.id_at(index) for index in range(top, top + self.size.height)}
        self._lines = {job_id: held for job_id, held in self._lines.items() if job_id in in_view}

    def _elapsed(self, job: JobSnapshot, live: bool) -> str:
        if live or job.state.is_terminal:
            return fmt.duration(fmt.elapsed(job, self.clock()))
        return ""

    def _empty_line(self, y: int) -> Text:
        lines = ("No jobs yet.", "Write a prompt and press ctrl+j to generate.")
        if y >= len(lines):
            return Text()
        return Text(" " + lines[y], self.get_component_rich_style("job-queue--dim"))

    def row(self, job: JobSnapshot, width: int, elapsed: str | None = None) -> Text:
        """One job as a line `width` cells wide (`elapsed`: its time, as the clock says now)."""
        state_style = self.get_component_rich_style(f"job-queue--{fmt.STATE_CLASSES[job.state]}")
        dim = self.get_component_rich_style("job-queue--dim")
        live = self.board.is_live(job)
        here = self.board.of_this_mode(job)
        detail = fmt.one_line(fmt.live_detail(job, self.board.details.get(job.id), live, here))
        request = job.request
        elapsed = self._elapsed(job, live) if elapsed is None else elapsed

        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(_cell(f"{fmt.GLYPHS[job.state]} {job.state.label}", STATE_WIDTH), state_style)
        rest = width - STATE_WIDTH - ELAPSED_WIDTH
        if width >= 50:
            text.append(_cell(inert(request.provider), PROVIDER_WIDTH), dim)
            rest -= PROVIDER_WIDTH
        if width >= 80:
            text.append(_cell(inert(fmt.short_model(request.model)), MODEL_WIDTH), dim)
            rest -= MODEL_WIDTH
        rest = max(rest, 0)
        prompt = fmt.one_line(request.prompt)
        detail_width = int(rest * DETAIL_SHARE) if detail else 0  # a column: details line up
        text.append(_cell(prompt, rest - detail_width))
        text.append(_cell(detail, detail_width), state_style if job.state.is_terminal else dim)
        text.append(elapsed.rjust(ELAPSED_WIDTH - 1) + " ", dim)
        return text


def _cell(value: str, width: int) -> str:
    """`value` fitted to `width - 1` cells (an ellipsis marks a cut), then a one-cell gap."""
    if width <= 0:
        return ""
    room = width - 1
    if cell_len(value) > room:
        value = set_cell_size(value, room - 1) + "…" if room > 0 else ""
    return set_cell_size(value, room) + " "
