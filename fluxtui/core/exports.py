"""Exports: a comparison's tables (worded by `compare_text`) and labelled contact sheet PNG, and a
job's files copied out with a JSON sidecar of their provenance.

Nothing here prints; functions return text or write files (atomically) and return their paths.
No secret reaches an export: requests hold no API keys, and parameters whose names say they are
secret (webhook_secret, anything with key/token/password in its name) are written as "[redacted]".
"""

from __future__ import annotations

import io
import json
import math
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fluxtui.core import provenance, thumbnails
from fluxtui.core.compare_table import CompareRow
from fluxtui.core.compare_text import (
    file_size,
    fixed_text,
    image_size,
    seconds,
    shared_text,
    state_text,
    table_csv,
    table_json,
    table_markdown,
)
from fluxtui.core.comparison import Axis, Comparison
from fluxtui.core.files import user_mode, write_atomically
from fluxtui.core.models import Job, JobSnapshot, JobState
from fluxtui.core.pricing import usd
from fluxtui.core.text import inert

# ---- the contact sheet --------------------------------------------------------------------------

BACKGROUND = (255, 255, 255)
PLACEHOLDER = (232, 232, 232)
INK = (20, 20, 20)
MUTED = (110, 110, 110)
BAD = (180, 30, 30)
GOOD = (20, 120, 50)
FONT_SIZE = 14
LINE_HEIGHT = 19
ROW_LABEL_WIDTH = 120  # a sweep's row labels
REASON_LINES = 6  # of a failed cell's reason, in its image box


@dataclass(frozen=True)
class SheetLayout:
    """Where everything goes on a contact sheet of `count` cells: a title band, then a grid of
    cells, each an image box (`cell`×`cell`) over a label band of LABEL_LINES lines. A sweep's
    sheet has its axes' labels too: the columns' in a band of `top` pixels over the grid (the X
    axis's name, then each column's value), the rows' in a band `left` pixels wide beside it."""

    count: int
    columns: int
    rows: int
    cell: int = 320
    label_lines: int = 5
    margin: int = 16
    header: int = 48
    top: int = 0
    left: int = 0

    @property
    def label_height(self) -> int:
        return self.label_lines * LINE_HEIGHT + 8

    @property
    def size(self) -> tuple[int, int]:
        width = self.margin + self.left + self.columns * (self.cell + self.margin)
        height = self.header + self.top + self.rows * (self.cell + self.label_height + self.margin)
        return width, height + self.margin

    def origin(self, index: int) -> tuple[int, int]:
        row, column = divmod(index, self.columns)
        x = self.margin + self.left + column * (self.cell + self.margin)
        y = self.header + self.top + self.margin
        return x, y + row * (self.cell + self.label_height + self.margin)

    def axis_name_box(self, axis: int) -> tuple[int, int, int, int]:
        """Where the X axis's name goes (over the first column), or the Y axis's (the corner)."""
        if axis == 0:
            x = self.origin(0)[0]
            return x, self.header, x + self.cell, self.header + LINE_HEIGHT
        y = self.header + LINE_HEIGHT
        return self.margin, y, self.margin + self.left - 8, y + LINE_HEIGHT

    def column_label_box(self, column: int) -> tuple[int, int, int, int]:
        x = self.origin(column)[0]
        y = self.header + LINE_HEIGHT
        return x, y, x + self.cell, y + LINE_HEIGHT

    def row_label_box(self, row: int) -> tuple[int, int, int, int]:
        y = self.origin(row * self.columns)[1]
        return self.margin, y, self.margin + self.left - 8, y + self.cell

    def image_box(self, index: int) -> tuple[int, int, int, int]:
        x, y = self.origin(index)
        return x, y, x + self.cell, y + self.cell

    def label_box(self, index: int) -> tuple[int, int, int, int]:
        x, y = self.origin(index)
        return x, y + self.cell, x + self.cell, y + self.cell + self.label_height


def sheet_layout(count: int, *, max_columns: int = 4, cell: int = 320) -> SheetLayout:
    """A near-square grid: 1–2 cells side by side, 3–4 in two columns … at most `max_columns`."""
    count = max(1, count)
    columns = min(max_columns, math.ceil(math.sqrt(count)))
    if count <= 3:
        columns = count
    return SheetLayout(count, columns, math.ceil(count / columns), cell=cell)


def grid_layout(columns: int, rows: int, *, cell: int = 320) -> SheetLayout:
    """A sweep's sheet: its X axis's values as columns, its Y axis's (if any) as rows, under a
    title and a caption line, with the axes' labels in bands of their own."""
    top = 2 * LINE_HEIGHT + 4
    left = ROW_LABEL_WIDTH if rows > 1 else 0
    return SheetLayout(columns * rows, columns, rows, cell=cell, header=64, top=top, left=left)


def cell_labels(row: CompareRow) -> list[tuple[str, tuple[int, int, int]]]:
    """The label lines of one cell, with their colours: target, outcome, price and marks, extra."""
    outcome = (f"done in {seconds(row.total_s)}", INK) if row.done else (state_text(row), BAD)
    price = "price unknown" if row.price_usd is None else f"{usd(row.price_usd)}/image"
    marks = (" · " + ", ".join(row.marks)) if row.marks else ""
    # "x", not "×": the fallback bitmap font and Pillow's default font lack the multiplication sign
    size = f"{image_size(row.width, row.height, 'x')} · {file_size(row.file_bytes)}"
    size = size.replace("–", "-")  # nor the en dash: an unknown size is "-"
    dropped = "dropped: " + ", ".join(row.dropped) if row.dropped else ""
    return [
        (str(row.target), INK),
        outcome,
        (price + marks, GOOD if row.marks else MUTED),
        (size, MUTED),
        (dropped, MUTED),
    ]


def render_sheet(
    rows: Sequence[CompareRow],
    title: str,
    *,
    cell: int = 320,
    axes: Sequence[Axis] = (),
    caption: str = "",
) -> Any:
    """The contact sheet as a PIL image (RGB); with `axes` (a sweep's), the cells go in its
    columns × rows, labelled with the axes' values, and `caption` under the title."""
    from PIL import Image, ImageDraw

    if axes:
        layout = grid_layout(len(axes[0].values), len(axes[1].values) if len(axes) > 1 else 1)
    else:
        layout = sheet_layout(len(rows), cell=cell)
    sheet = Image.new("RGB", layout.size, BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    font, title_font = _font(FONT_SIZE), _font(FONT_SIZE + 4)
    wide = layout.size[0] - 2 * layout.margin
    draw.text((layout.margin, 14), _fit(draw, title, title_font, wide), fill=INK, font=title_font)
    if caption:
        draw.text((layout.margin, 38), _fit(draw, caption, font, wide), fill=MUTED, font=font)
    if axes:
        _draw_axes(draw, layout, axes, font)
    for index, row in enumerate(rows):
        box = layout.image_box(index)
        draw.rectangle(box, fill=PLACEHOLDER)
        image = _open_first(row.files) if row.done else None
        if image is not None:
            image.thumbnail((layout.cell, layout.cell))
            x = box[0] + (layout.cell - image.width) // 2
            y = box[1] + (layout.cell - image.height) // 2
            sheet.paste(image, (x, y))
        else:
            _draw_missing(draw, box, row, (font, title_font))
        x, y, _, _ = layout.label_box(index)
        for line, (text, colour) in enumerate(cell_labels(row)):
            draw.text(
                (x + 2, y + 4 + line * LINE_HEIGHT),
                _fit(draw, text, font, layout.cell - 4),
                fill=colour,
                font=font,
            )
    return sheet


def _draw_missing(
    draw: Any, box: tuple[int, int, int, int], row: CompareRow, fonts: tuple[Any, Any]
) -> None:
    """In place of a cell's image: its state, and (when it failed) why, in a few lines."""
    font, title_font = fonts
    size = box[2] - box[0]
    word = row.state if not row.done else "image missing"
    width = draw.textlength(word, font=title_font)
    top = box[1] + size / 2 - 10 - (LINE_HEIGHT * 2 if row.reason else 0)
    draw.text((box[0] + (size - width) / 2, top), word, fill=BAD, font=title_font)
    if row.reason and not row.done:
        for line, text in enumerate(_wrap(draw, inert(row.reason), font, size - 16)):
            draw.text((box[0] + 8, top + 28 + line * LINE_HEIGHT), text, fill=INK, font=font)


def _draw_axes(draw: Any, layout: SheetLayout, axes: Sequence[Axis], font: Any) -> None:
    """A sweep's labels: each axis's name, each column's value over it, each row's beside it."""
    for number, axis in enumerate(axes):
        x, y, right, _ = layout.axis_name_box(number)
        draw.text((x, y), _fit(draw, axis.name, font, right - x), fill=MUTED, font=font)
    for column in range(layout.columns):
        x, y, right, _ = layout.column_label_box(column)
        text = _fit(draw, axes[0].label(column), font, right - x)
        width = draw.textlength(text, font=font)
        draw.text((x + (right - x - width) / 2, y), text, fill=INK, font=font)
    for row in range(layout.rows if len(axes) > 1 else 0):
        x, y, right, bottom = layout.row_label_box(row)
        text = _fit(draw, axes[1].label(row), font, right - x)
        draw.text((x, (y + bottom) / 2 - LINE_HEIGHT / 2), text, fill=INK, font=font)


def write_sheet(
    rows: Sequence[CompareRow],
    title: str,
    path: Path,
    *,
    axes: Sequence[Axis] = (),
    caption: str = "",
) -> Path:
    """Render the contact sheet and write it to `path` as a PNG (atomically)."""
    buffer = io.BytesIO()
    render_sheet(rows, title, axes=axes, caption=caption).save(buffer, format="PNG", optimize=True)
    write_atomically(path, buffer.getvalue())
    return path


def write_comparison_sheet(comparison: Comparison, rows: Sequence[CompareRow], path: Path) -> Path:
    """The comparison's sheet (a sweep's: its grid, the fixed fields in its caption) at `path`."""
    if comparison.axes:
        caption = fixed_text(comparison).replace("×", "x")
        return write_sheet(rows, comparison.prompt, path, axes=comparison.axes, caption=caption)
    return write_sheet(rows, sheet_title(comparison), path)


def sheet_title(comparison: Comparison) -> str:
    """The prompt and what every target (a sweep: every cell) shared, on one line."""
    shared = fixed_text(comparison) if comparison.axes else shared_text(comparison.params)
    shared = shared.replace("×", "x")
    return f"{comparison.prompt}" + (f"  ({shared})" if shared else "")


def _font(size: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError, ImportError):  # an old Pillow, or one without FreeType
        return ImageFont.load_default()


def _fit(draw: Any, text: str, font: Any, width: int) -> str:
    """`text` shortened with an ellipsis to fit `width` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def _wrap(draw: Any, text: str, font: Any, width: int) -> list[str]:
    """`text` in lines of at most `width` pixels, at most REASON_LINES (the last one cut)."""
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    if len(lines) > REASON_LINES:
        lines = [*lines[: REASON_LINES - 1], " ".join(lines[REASON_LINES - 1 :])]
    return [_fit(draw, line, font, width) for line in lines]


def _open_first(files: Sequence[str]) -> Any:
    from PIL import Image

    for path in files:
        try:
            with Image.open(path) as img:
                img.draft("RGB", (640, 640))  # JPEG: decode at a reduced scale, much faster
                return thumbnails.flat_rgb(img, PLACEHOLDER)  # a transparent image on its cell
        except OSError:
            continue
    return None


# ---- writing a comparison out -------------------------------------------------------------------


@dataclass(frozen=True)
class ComparisonExport:
    folder: Path
    sheet: Path
    markdown: Path
    csv: Path
    json: Path
    jobs: tuple[JobExport, ...] = ()

    def paths(self) -> list[Path]:
        return [self.sheet, self.markdown, self.csv, self.json]


def comparison_folder(library: Path, comparison: Comparison) -> Path:
    """Where a comparison's exports live in the library: `<library>/comparisons/<id>/`."""
    return library / "comparisons" / comparison.id


def export_comparison(
    comparison: Comparison,
    rows: Sequence[CompareRow],
    folder: Path,
    *,
    jobs: Sequence[Job | JobSnapshot] = (),
) -> ComparisonExport:
    """Write sheet.png, table.md, table.csv and table.json into `folder`; with `jobs`, also copy
    each job's images and sidecar there (see `export_job`)."""
    folder.mkdir(parents=True, exist_ok=True)
    sheet = write_comparison_sheet(comparison, rows, folder / "sheet.png")
    written = {}
    for name, text in (
        ("table.md", table_markdown(rows, comparison)),
        ("table.csv", table_csv(rows)),
        ("table.json", table_json(rows, comparison)),
    ):
        write_atomically(folder / name, text.encode("utf-8"))
        written[name] = folder / name
    copied = tuple(export_job(job, folder) for job in jobs if job.files)
    return ComparisonExport(
        folder, sheet, written["table.md"], written["table.csv"], written["table.json"], copied
    )


# ---- writing a job out --------------------------------------------------------------------------


@dataclass(frozen=True)
class JobExport:
    job_id: str
    files: tuple[Path, ...]
    sidecar: Path
    missing: tuple[str, ...] = field(default=())  # files the store lists but the disk lacks


def sidecar(job: Job | JobSnapshot, exported: Sequence[Path] = ()) -> dict[str, Any]:
    """A job's provenance as JSON-ready data: what the image file carries, and more."""
    return {
        **provenance.record(job),
        "state": job.state.value,
        "width": job.width,
        "height": job.height,
        "timings": job.timings(),
        "group_id": job.group_id,
        "files": [p.name for p in exported],
        "source_files": list(job.files),
        "error": job.error.to_dict() if job.error else None,
    }


def export_job(job: Job | JobSnapshot, folder: Path) -> JobExport:
    """Copy the job's images (their original bytes, provenance inside) into `folder`, and write
    `<job-id>.json` beside them. A file missing on disk is listed in `missing`, not raised."""
    folder.mkdir(parents=True, exist_ok=True)
    copied, missing = [], []
    for source in map(Path, job.files):
        if not source.is_file():
            missing.append(str(source))
            continue
        target = folder / source.name
        if source.resolve() != target.resolve():
            shutil.copy2(source, target)
            target.chmod(user_mode())  # not the source's mode: an image saved before was 0600
        copied.append(target)
    side = folder / f"{job.id}.json"
    text = json.dumps(sidecar(job, copied), indent=2, ensure_ascii=False) + "\n"
    write_atomically(side, text.encode("utf-8"))
    return JobExport(job.id, tuple(copied), side, tuple(missing))


def has_image(job: Job | JobSnapshot) -> bool:
    return job.state is JobState.DONE and bool(job.files)
