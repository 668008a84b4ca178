"""The library's list: every job a query selects, newest first, a few lines and a thumbnail each.

Virtual: only the rows in view are drawn (line by line), pages of jobs are loaded from the store in
thread workers as they come into view, and thumbnails are made in a thread worker for the rows in
view once scrolling pauses. Nothing is mounted per row, so 10,000 jobs cost what 10 do.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip
from textual.timer import Timer
from textual.worker import get_current_worker

from fluxtui.control.outcomes import Page
from fluxtui.control.threaded_store import StoreClosed
from fluxtui.core.durations import human
from fluxtui.core.errors import FluxtuiError
from fluxtui.core.job_rows import JobQuery
from fluxtui.core.models import JobSnapshot, JobState
from fluxtui.core.text import inert
from fluxtui.tui import format as fmt
from fluxtui.tui.key_table import LIBRARY_KEYS
from fluxtui.tui.keymap import bindings
from fluxtui.tui.library_pages import PAGE_SIZE, LibraryPages, is_filtered
from fluxtui.tui.lineage_keys import LINEAGE_KEYS
from fluxtui.tui.widgets.row_list import RowList
from fluxtui.tui.widgets.thumbnail import Lines, ThumbnailCache, render_thumbnail

ROW_HEIGHT = 4  # lines per job (the thumbnail's height)
THUMB_COLUMNS = 12
PREFETCH_ROWS = 20  # load the next page this many rows before it comes into view
THUMB_DELAY_S = 0.03  # make thumbnails once scrolling pauses this long
DATE_WIDTH = 18  # " 2026-01-01 14:30 "
STATE_WIDTH = 13


class LibraryList(RowList):
    """Shows `LibraryPages`; the cursor picks the entry the library's keys act on."""

    ROW_HEIGHT = ROW_HEIGHT
    DOUBLE_CLICK = "screen.show_entry"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "move(-1_000_000_000)", "First", show=False),
        Binding("end", "move(1_000_000_000)", "Last", show=False),
        *bindings(LIBRARY_KEYS),
        *bindings(LINEAGE_KEYS),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "library-list--cursor",
        "library-list--prompt",
        "library-list--dim",
        "library-list--muted",
        "library-list--active",
        "library-list--waiting",
        "library-list--done",
        "library-list--bad",
        "library-list--warn",
    }

    class Loaded(Message):
        """A page came in: `total` jobs match the query."""

        def __init__(self, library_list: LibraryList, total: int) -> None:
            super().__init__()
            self.library_list = library_list
            self.total = total

        @property
        def control(self) -> LibraryList:
            return self.library_list

    def __init__(self, load: Callable[[JobQuery], Page], *, id: str | None = None):
        """`load`: one page of a query (blocking: it is called from thread workers)."""
        super().__init__(id=id)
        self._load = load
        self.pages = LibraryPages(JobQuery())
        self.thumbs = ThumbnailCache()
        self._thumb_timer: Timer | None = None

    # ---- what it shows --------------------------------------------------------------------------

    def show(
        self, query: JobQuery, *, keep_cursor: bool = False, select: tuple[int, int] | None = None
    ) -> None:
        """Show the jobs `query` selects: from the top, unless `keep_cursor` (after a delete),
        or with the cursor on row `index` of `total` when `select` is (index, total)."""
        if select is not None:
            same = replace(query, limit=PAGE_SIZE, offset=0) == self.pages.query
            stale = self.pages if same else None
            self.pages = LibraryPages(query, select[1], stale=stale)
        elif keep_cursor:
            self.pages = LibraryPages(query, self.pages.total, stale=self.pages)
        else:
            self.pages = LibraryPages(query)
        self.fit_rows()
        if select is not None:
            self.cursor = select[0]
        elif not keep_cursor:
            self.cursor = 0
            self.scroll_to(y=0, animate=False, immediate=True)
        self._request_pages()
        self.refresh()

    @property
    def current(self) -> JobSnapshot | None:
        """The job under the cursor (None while its page loads)."""
        return self.pages.job(self.cursor)

    def _visible_rows(self) -> tuple[int, int]:
        top = int(self.scroll_offset.y)
        return top // ROW_HEIGHT, (top + max(1, self.size.height) - 1) // ROW_HEIGHT

    @property
    def row_count(self) -> int:
        return self.pages.total or 0

    def on_resize(self) -> None:
        self.fit_rows()
        self._request_pages()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._request_pages()

    # ---- pages ----------------------------------------------------------------------------------

    def _request_pages(self) -> None:
        first, last = self._visible_rows()
        for number in self.pages.wanted(first - PREFETCH_ROWS, last + PREFETCH_ROWS):
            self.run_worker(
                partial(self._fetch, self.pages, number),
                thread=True,
                group="library-pages",
                exit_on_error=False,
            )
        self._schedule_thumbnails()

    def _fetch(self, pages: LibraryPages, number: int) -> None:
        """In a thread: load page `number` and hand it to the event loop."""
        try:
            page = self._load(pages.query_for(number))
        except StoreClosed:
            return  # the library closed meanwhile
        except Exception:
            self.app.call_from_thread(pages.failed, number)
            raise  # the app's one handler for worker failures says so
        self.app.call_from_thread(self._fetched, pages, number, page)

    def _fetched(self, pages: LibraryPages, number: int, page: Page) -> None:
        if pages is not self.pages:
            return  # the query changed meanwhile
        pages.loaded(number, page)
        self.fit_rows()
        if self.cursor != self.validate_cursor(self.cursor):
            self.cursor = self.cursor  # fewer jobs than before: validating moves it up
        self.post_message(self.Loaded(self, page.total))
        self._request_pages()
        self.refresh()

    # ---- thumbnails -----------------------------------------------------------------------------

    def _schedule_thumbnails(self) -> None:
        if self._thumb_timer is not None:
            self._thumb_timer.stop()
        self._thumb_timer = self.set_timer(THUMB_DELAY_S, self._request_thumbnails)

    def _request_thumbnails(self) -> None:
        first, last = self._visible_rows()
        wanted = [
            path
            for job in self.pages.jobs(first, last)
            if (path := _image_of(job)) is not None and path not in self.thumbs
        ]
        if wanted:
            self.run_worker(
                partial(self._make_thumbnails, wanted),
                thread=True,
                group="library-thumbnails",
                exclusive=True,
                exit_on_error=False,
            )

    def _make_thumbnails(self, paths: list[str]) -> None:
        """In a thread: each thumbnail, handed to the event loop as soon as it is made."""
        worker = get_current_worker()
        for path in paths:
            if worker.is_cancelled:
                return
            try:
                lines = render_thumbnail(Path(path), THUMB_COLUMNS, ROW_HEIGHT)
            except (FluxtuiError, OSError, ValueError):
                lines = None
            self.app.call_from_thread(self._thumbnail_made, path, lines)

    def _thumbnail_made(self, path: str, lines: Lines | None) -> None:
        self.thumbs.put(path, lines)
        self.refresh()

    # ---- cursor ---------------------------------------------------------------------------------

    def action_page(self, direction: int) -> None:
        self.cursor += direction * max(1, self.size.height // ROW_HEIGHT)

    # ---- drawing --------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        style = self.rich_style
        row, line = divmod(y + int(self.scroll_offset.y), ROW_HEIGHT)
        total = self.pages.total
        if total is None or total == 0:
            return self.strip(self._message_line(y, total))
        job = self.pages.job(row) if row < total else None
        if job is None:
            return self.strip(Text(" …" if row < total and line == 0 else "", self._style("dim")))
        text = self._text_line(job, line, max(0, width - THUMB_COLUMNS - 1))
        if row == self.cursor:
            text.stylize(self._style("cursor"))
        segments = [*self._thumbnail_line(job, line), Segment(" ", style)]
        segments += text.render(self.app.console)
        return Strip(segments).crop_extend(0, width, style).apply_style(style)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"library-list--{name}")

    def _message_line(self, y: int, total: int | None) -> Text:
        if total is None:
            lines: tuple[str, ...] = ("Loading…",)
        elif not is_filtered(self.pages.query):
            lines = ("No images yet.", "Write a prompt on the main screen and press ctrl+j.")
        else:
            lines = ("Nothing matches these filters.",)
        return Text(" " + lines[y] if y < len(lines) else "", self._style("dim"))

    def _thumbnail_line(self, job: JobSnapshot, line: int) -> list[Segment]:
        path = _image_of(job)
        lines = self.thumbs.get(path) if path else None
        if lines is not None:
            return list(lines[line])
        mark = ""
        if line == ROW_HEIGHT // 2 - 1:
            mark = fmt.GLYPHS[job.state] if path is None or path in self.thumbs else "·"
        style = self._style(fmt.STATE_CLASSES[job.state])
        return [Segment(mark.center(THUMB_COLUMNS), style)]

    def _text_line(self, job: JobSnapshot, line: int, width: int) -> Text:
        """Line `line` of a job's entry: state and prompt and date; where and how; result; group."""
        dim = self._style("dim")
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        if line == 0:
            state = self._style(fmt.STATE_CLASSES[job.state])
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(job.created_at))
            text.append(_fit(f"{fmt.GLYPHS[job.state]} {job.state.label}", STATE_WIDTH), state)
            prompt_width = max(0, width - STATE_WIDTH - DATE_WIDTH)
            text.append(_fit(fmt.one_line(job.request.prompt), prompt_width), self._style("prompt"))
            text.append(f" {when} ", dim)
        elif line == 1:
            text.append(_fit(where(job), width), dim)
        elif line == 2:
            if job.state is JobState.DONE:
                files = job.files
                shown = fmt.short_path(files[0]) if files else "no image was saved"
                if len(files) > 1:
                    shown += f"  (+{len(files) - 1} more)"
                text.append(_fit(shown, width), dim)
            else:
                reason = fmt.short_reason(fmt.error_text(job)) or "not finished"
                text.append(_fit(reason, width), self._style(fmt.STATE_CLASSES[job.state]))
        elif job.group_id:
            text.append(_fit(f"⊞ part of comparison {job.group_id} (c reopens it)", width), dim)
        return text


def where(job: JobSnapshot) -> str:
    """ "fal · flux/dev · 1024×768 · seed 42 · 4.4 s to image"."""
    request = job.request
    seed = job.seed if job.seed is not None else request.params.get("seed")
    total = job.timings()["total"] if job.state is JobState.DONE else None
    parts = [
        request.provider,
        fmt.short_model(request.model),
        f"{job.width}×{job.height}" if job.width and job.height else None,
        f"seed {seed}" if seed is not None else None,
        f"{human(total)} to image" if total is not None else None,
    ]
    return inert(" · ".join(part for part in parts if part))


def _image_of(job: JobSnapshot) -> str | None:
    return job.files[0] if job.state is JobState.DONE and job.files else None


def _fit(value: str, width: int) -> str:
    """`value` in exactly `width` cells: cut with an ellipsis, or padded."""
    if width <= 0:
        return ""
    if cell_len(value) > width:
        return set_cell_size(value, width - 1) + "…"
    return set_cell_size(value, width)
