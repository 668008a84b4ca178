"""An image drawn with upper-half blocks: two pixels per cell, in any terminal with colour.

Textual-only (no terminal probing), so it is the fallback for every terminal and the renderer the
tests pin. Each half cell is one pixel, as wide as a cell and half as tall: from the cell's pixel
size (`cell_px`, when the probe learnt it) the image is scaled so it is not stretched; unknown, a
cell is taken as exactly twice as tall as wide. Each size the widget takes is rendered once into
cached strips.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image as PILImage
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip

from fluxtui.tui.widgets.picture import Picture

UPPER_HALF = "▀"


class HalfcellImage(Picture):
    """Shows one image file, scaled to fit, centred horizontally."""

    def __init__(
        self,
        path: Path | str,
        *,
        cell_px: tuple[int, int] | None = None,
        id: str | None = None,
        classes: str | None = None,
    ):
        super().__init__(path, cell_px=cell_px, id=id, classes=classes)
        self._strips: tuple[Size, list[Strip]] | None = None

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """As many rows as the image needs at this width (CSS max-height may cap it)."""
        if self.source_size is None:
            return 1
        box = Size(width, container.height or 10_000)
        return fitted(self.source_size, box, self.cell_px)[1] // 2

    def _loaded(self, pixels: PILImage.Image) -> None:
        self._strips = None
        super()._loaded(pixels)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        style = self.rich_style
        if self.problem is not None:
            line = Strip([Segment(self.problem[:width], style)]) if y == 0 else Strip([])
            return line.extend_cell_length(width, style)
        strips = self._render_strips()
        return strips[y] if y < len(strips) else Strip.blank(width, style)

    def _render_strips(self) -> list[Strip]:
        size = self.size
        if self._strips is not None and self._strips[0] == size:
            return self._strips[1]
        strips = (
            _to_strips(self.pixels, size, self.rich_style, self.cell_px)
            if self.pixels is not None
            else []
        )
        self._strips = (size, strips)
        return strips


def fitted(
    image_size: tuple[int, int], box: Size, cell_px: tuple[int, int] | None = None
) -> tuple[int, int]:
    """Columns and half-cell rows of an image scaled to fit `box` with its aspect ratio kept.

    A half-cell pixel is `cell_px` (w, h) w wide and h/2 tall; None: as tall as wide (2:1 cells).
    """
    width, height = image_size
    if not (width and height and box.width and box.height):
        return 0, 0
    aspect = cell_px[1] / 2 / cell_px[0] if cell_px and cell_px[0] and cell_px[1] else 1.0
    scale = min(box.width / width, box.height * 2 * aspect / height)  # in columns per pixel
    return max(1, round(width * scale)), max(2, round(height * scale / aspect / 2) * 2)


def _to_strips(
    pixels: PILImage.Image, box: Size, background: Style, cell_px: tuple[int, int] | None
) -> list[Strip]:
    columns, rows = fitted(pixels.size, box, cell_px)
    if not columns:
        return []
    scaled = pixels.resize((columns, rows), PILImage.Resampling.BILINEAR)
    data = scaled.load()
    if data is None:
        return []
    pad = Segment(" " * ((box.width - columns) // 2), background)
    strips: list[Strip] = []
    for top in range(0, rows, 2):
        segments = [pad]
        for x in range(columns):
            upper, lower = _rgb(data[x, top]), _rgb(data[x, top + 1])
            style = Style(color=Color.from_rgb(*upper), bgcolor=Color.from_rgb(*lower))
            segments.append(Segment(UPPER_HALF, style))
        strips.append(Strip(Segment.simplify(segments)).extend_cell_length(box.width, background))
    return strips


def _rgb(pixel: float | tuple[int, ...]) -> tuple[int, int, int]:
    """An RGB pixel as three ints (a grey one, as one value, is its own three)."""
    if isinstance(pixel, tuple):
        return pixel[0], pixel[1], pixel[2]
    grey = int(pixel)
    return grey, grey, grey
