"""An image drawn with Sixel graphics, encoded by `fluxtui.term.sixel` (not textual-image's).

Textual knows nothing of Sixel, so the image goes into its output as a control segment: the last
line of the widget's visible part carries "move to the top-left, the Sixel, move back", and the
lines above it are empty strips (Textual writes nothing there, so it does not paint over the
image). Encoding runs in a thread, once per size; until it is done the widget is blank. The size
in pixels comes from the cell's pixel size the probe learnt (10×20 when unknown).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from PIL import Image as PILImage
from rich.control import Control
from rich.segment import ControlType, Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.strip import Strip

from fluxtui.term import sixel
from fluxtui.tui.widgets.picture import Picture, pixel_fit

_NO_STYLE = Style()
_NO_OP = ((ControlType.CURSOR_FORWARD, 0),)  # marks the segment as control: no cells, kept whole


class _Key(NamedTuple):
    size: Size
    crop: Region
    background: tuple[int, int, int]


class SixelImage(Picture):
    """Shows one image file as Sixel, scaled to fit, centred horizontally."""

    MAX_PX = 1536

    def __init__(
        self,
        path: Path | str,
        *,
        cell_px: tuple[int, int] | None = None,
        registers: int | None = None,
        id: str | None = None,
        classes: str | None = None,
    ):
        super().__init__(path, cell_px=cell_px, id=id, classes=classes)
        self.registers = registers or sixel.MAX_REGISTERS
        self._sixels: tuple[_Key, str, Region] | None = None  # key, data, where (cells) it goes
        self._encoding: _Key | None = None

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self.source_size is None:
            return 1
        box = Size(width, container.height or 10_000)
        return max(1, pixel_fit(self.source_size, box, self.cell)[1][1])

    def _loaded(self, pixels: PILImage.Image) -> None:
        self._sixels = None
        super()._loaded(pixels)

    def render_lines(self, crop: Region) -> list[Strip]:
        if self.problem is not None or self.pixels is None or not crop.height:
            return super().render_lines(crop)
        if not self.screen.is_active:
            return [Strip.blank(crop.width)] * crop.height  # behind a modal: no stray image
        _, background = self.background_colors
        key = _Key(self.size, crop, (background.r, background.g, background.b))
        if self._sixels is None or self._sixels[0] != key:
            self._encode(key)
            return [Strip.blank(crop.width, self.rich_style)] * crop.height
        _, data, where = self._sixels
        if not data:
            return [Strip.blank(crop.width, self.rich_style)] * crop.height
        origin = self.content_region.offset
        segments = [
            Control.move_to(origin.x + where.x, origin.y + where.y).segment,
            Segment(data, _NO_STYLE, _NO_OP),
            Control.move_to(origin.x + crop.right, origin.y + crop.bottom - 1).segment,
        ]
        return [Strip([])] * (crop.height - 1) + [Strip(segments, cell_length=crop.width)]

    def render_line(self, y: int) -> Strip:
        """A problem reading the file, on the first line (the image itself is `render_lines`')."""
        width = self.size.width
        text = self.problem or ""
        line = Strip([Segment(text[:width], self.rich_style)]) if y == 0 and text else Strip([])
        return line.extend_cell_length(width, self.rich_style)

    def _encode(self, key: _Key) -> None:
        if self._encoding == key or self.pixels is None:
            return
        self._encoding = key
        pixels = self.pixels
        self.run_worker(
            lambda: self._encode_in_thread(pixels, key),
            thread=True,
            group="sixel-encode",
            exclusive=True,
            exit_on_error=False,
        )

    def _encode_in_thread(self, pixels: PILImage.Image, key: _Key) -> None:
        data, where = encode_visible(
            pixels, key.size, key.crop, self.cell, self.registers, key.background
        )
        self.app.call_from_thread(self._encoded, key, data, where)

    def _encoded(self, key: _Key, data: str, where: Region) -> None:
        if self._encoding not in (key, None):
            return  # a later size is being encoded
        self._encoding = None
        self._sixels = (key, data, where)
        self.refresh()


def encode_visible(
    pixels: PILImage.Image,
    size: Size,
    crop: Region,
    cell_px: tuple[int, int],
    registers: int,
    background: tuple[int, int, int],
) -> tuple[str, Region]:
    """The Sixel of the cells inside `crop`, and the cell it starts at (widget coordinates).

    The image is fitted to `size`, centred horizontally, and padded with `background` to whole
    cells: a terminal paints the rest of a cell the Sixel only partly covers with its own
    background (mlterm: white), so every pixel of every cell the image touches is ours.
    "" when no part of it shows.
    """
    (width, height), (columns, rows) = pixel_fit(pixels.size, size, cell_px)
    if not width:
        return "", Region()
    cell_w, cell_h = cell_px
    left = (size.width - columns) // 2
    first, last = max(0, crop.x - left), min(columns, crop.right - left)
    top, bottom = crop.y, min(rows, crop.bottom)
    if first >= last or top >= bottom:
        return "", Region()
    canvas = PILImage.new("RGB", (columns * cell_w, rows * cell_h), background)
    canvas.paste(pixels.resize((width, height), PILImage.Resampling.LANCZOS).convert("RGB"))
    shown = canvas.crop((first * cell_w, top * cell_h, last * cell_w, bottom * cell_h))
    data = sixel.encode(shown, registers=registers, background=background)
    return data, Region(left + first, top, last - first, bottom - top)
