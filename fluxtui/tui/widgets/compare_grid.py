"""The comparison's grid: one cell per target, its image once done, else its live state or why it
failed; each labelled with provider, model, state and time to image. A sweep's grid has its
columns × rows, under a row of its X axis's values and beside a column of its Y axis's; each
cell is labelled with its values on the axes.

The cells only show what `cell_view` words from the core's table row (`compare_table.CompareRow`)
and the job's snapshot; the screen decides when (as the app's job updates come in).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container, Grid, Vertical
from textual.message import Message
from textual.widgets import Static

from fluxtui.core.compare_table import NOT_SENT, CompareRow
from fluxtui.core.compare_text import file_size
from fluxtui.core.comparison import Axis
from fluxtui.core.models import JobSnapshot, JobState
from fluxtui.core.pricing import usd
from fluxtui.core.text import inert
from fluxtui.tui import format as fmt
from fluxtui.tui.image_support import ImageBackend

MIN_CELL_WIDTH = 34  # columns: narrower cells go on more rows
FAVOURITE = "★"


@dataclass(frozen=True)
class CellView:
    """What one cell shows."""

    title: str  # provider · model (★ when it is the favourite)
    subtitle: str  # state and time to image
    tone: str  # done, live, bad or muted: the cell's border colour
    image: Path | None  # the image to draw, when there is one on disk
    body: Text  # in place of the image: the live state, or why there is none
    foot: Text  # size, file size, price, marks, dropped params


def cell_view(
    row: CompareRow, job: JobSnapshot | None, *, live: bool, now: float, favourite: bool
) -> CellView:
    """How a target's cell reads, from its table row and (when it was sent) its job."""
    title = row.cell or f"{row.target.provider} · {fmt.short_model(row.target.model)}"
    title += f" {FAVOURITE}" if favourite else ""
    image = Path(row.files[0]) if row.done and row.files else None
    body = Text()
    if job is None:
        tone = "muted" if row.state == NOT_SENT else "bad"
        subtitle = row.state
        body.append(inert(row.reason or "", multiline=True) + "\n", style="bold")
    elif row.done:
        tone, subtitle = "done", f"✓ done · {_seconds(row.total_s)}"
        if image is None or not image.is_file():
            body.append(
                f"The image file is gone: {fmt.short_path(image)}"
                if image
                else "No image was saved.",
                style="bold",
            )
            image = None
    elif job.state.is_terminal:
        tone = "bad" if job.state is not JobState.CANCELLED else "muted"
        subtitle = f"{fmt.GLYPHS[job.state]} {job.state.label} · {_seconds(row.total_s)}"
        body.append(fmt.error_text(job) + "\n", style="bold")
        hint = fmt.hint_for(job)
        if hint:
            body.append(hint + "\n", style="dim")
    elif live:
        tone = "live"
        elapsed = fmt.duration(fmt.elapsed(job, now))
        subtitle = f"{fmt.GLYPHS[job.state]} {job.state.label} · {elapsed}"
        body.append(fmt.progress_bar(job.progress, 20), style="cyan")
        detail = fmt.live_detail(job, None, live)
        body.append("\n" + detail if detail else "", style="dim")
    else:
        tone, subtitle = "muted", f"{fmt.GLYPHS[job.state]} {job.state.label}"
        body.append(
            "Not finished when fluxtui last stopped: resume it from the main queue (r).",
            style="dim",
        )
    return CellView(title, subtitle, tone, image, body, _foot(row))


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} s"


def _foot(row: CompareRow) -> Text:
    parts = []
    if row.width and row.height:
        parts.append(f"{row.width}×{row.height}")
    if row.file_bytes is not None:
        parts.append(file_size(row.file_bytes))
    if row.job_id is not None:
        parts.append("price unknown" if row.price_usd is None else f"{usd(row.price_usd)}/image")
    text = Text(" · ".join(parts), style="dim")
    for mark in row.marks:
        text.append(f" · {inert(mark)}", style="bold green")
    if row.dropped:
        text.append(f"\ndropped: {inert(', '.join(row.dropped))}", style="yellow")
    return text


class CompareCell(Vertical, can_focus=True):
    """One target of the comparison."""

    class Selected(Message):
        """The cell got the focus: the keys act on its target now."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, index: int, images: ImageBackend):
        super().__init__(classes="compare-cell", id=f"cell-{index}")
        self.index = index
        self.images = images
        self.view: CellView | None = None
        self._holder = Container(classes="cell-image")
        self._body = Static("", classes="cell-body")
        self._foot = Static("", classes="cell-foot")

    def compose(self) -> ComposeResult:
        with self._holder:
            yield self._body
        yield self._foot

    def on_focus(self) -> None:
        self.post_message(self.Selected(self.index))

    def on_click(self) -> None:
        self.focus()

    def show(self, view: CellView) -> None:
        if view == self.view:
            return
        previous, self.view = self.view, view
        self.border_title = Text(inert(view.title))
        self.border_subtitle = Text(inert(view.subtitle))
        for tone in ("done", "live", "bad", "muted"):
            self.set_class(tone == view.tone, f"-{tone}")
        if previous is None or previous.image != view.image:
            self._holder.remove_children(".image")
            if view.image is not None and self.images.factory is not None:
                self._holder.mount(self.images.factory(view.image), before=0)
        body = view.body
        if view.image is not None and self.images.factory is None:
            body = Text("Image saved (preview is off: image protocol none).", style="dim")
        self._body.update(body)
        self._body.display = bool(body.plain)
        self._foot.update(view.foot)


class CompareGrid(Grid):
    """The cells, in as many columns as fit (at least MIN_CELL_WIDTH each); a sweep's in its
    columns × rows, with its axes' labels (`axes`: X, then Y if any)."""

    def __init__(
        self,
        count: int,
        images: ImageBackend,
        *,
        id: str | None = None,
        axes: tuple[Axis, ...] = (),
    ):
        super().__init__(id=id, classes="-sweep" if axes else "")
        self.cells = [CompareCell(index, images) for index in range(count)]
        self.axes = axes
        self.columns = len(axes[0].values) if axes else 1

    def compose(self) -> ComposeResult:
        if not self.axes:
            yield from self.cells
            return
        x_axis, y_axis = self.axes[0], (self.axes[1] if len(self.axes) > 1 else None)
        if y_axis is not None:
            yield Static(Text(inert(f"{y_axis.name} ↓"), style="dim"), classes="axis-corner")
        for index in range(len(x_axis.values)):
            label = Text.assemble((inert(x_axis.name), "dim"), " ", inert(x_axis.label(index)))
            yield Static(label, classes="axis-label axis-column")
        for row in range(len(self.cells) // self.columns):
            if y_axis is not None:
                label = Text.assemble((inert(y_axis.name), "dim"), "\n", inert(y_axis.label(row)))
                yield Static(label, classes="axis-label axis-row")
            yield from self.cells[row * self.columns : (row + 1) * self.columns]

    def on_mount(self) -> None:
        if self.axes:  # a sweep's grid does not reflow: its columns are its X axis's values
            rows = len(self.cells) // self.columns
            labelled = len(self.axes) > 1
            self.styles.grid_size_columns = self.columns + labelled
            self.styles.grid_size_rows = rows + 1
            self.styles.grid_rows = ["1", *["1fr"] * rows]
            self.styles.grid_columns = [*(["14"] if labelled else []), *["1fr"] * self.columns]

    def on_resize(self) -> None:
        if self.axes:
            return
        count = len(self.cells)
        self.columns = max(1, min(count, self.size.width // MIN_CELL_WIDTH))
        self.styles.grid_size_columns = self.columns
        self.styles.grid_size_rows = math.ceil(count / self.columns)
