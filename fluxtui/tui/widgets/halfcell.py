"""An image drawn with upper-half blocks: two pixels per cell, in any terminal with colour.

Textual-only (no terminal probing), so it is the fallback for every terminal and the renderer the
tests pin. The file is decoded off the event loop, once, into a small thumbnail; each size the
widget takes is rendered once into cached strips.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image as PILImage
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from fluxtui.core import thumbnails

THUMBNAIL_PX = 512  # wider than any terminal is in half-cells
UPPER_HALF = "▀"


class HalfcellImage(Widget):
    """Shows one image file, scaled to fit, centred horizontally."""

    def __init__(self, path: Path | str, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.path = Path(path)
        self.source_size = _source_size(self.path)
        self.problem: str | None = None
        self._pixels: PILImage.Image | None = None
        self._strips: tuple[Size, list[Strip]] | None = None

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """As many rows as the image needs at this width (CSS max-height may cap it)."""
        if self.source_size is None:
            return 1
        return fitted(self.source_size, Size(width, container.height or 10_000))[1] // 2

    @property
    def loaded(self) -> bool:
        return self._pixels is not None or self.problem is not None

    def on_mount(self) -> None:
        self.run_worker(self._load, thread=True, group="image-load", exit_on_error=False)

    def _load(self) -> None:
        try:
            with PILImage.open(self.path) as image:
                image.draft("RGB", (THUMBNAIL_PX, THUMBNAIL_PX))  # JPEG: decode at a smaller scale
                pixels = thumbnails.flat_rgb(image)
                pixels.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
        except (OSError, ValueError, PILImage.DecompressionBombError) as exc:
            self.app.call_from_thread(self._failed, f"cannot read the image: {exc}")
            return
        self.app.call_from_thread(self._loaded, pixels)

    def _loaded(self, pixels: PILImage.Image) -> None:
        self._pixels = pixels
        self._strips = None
        self.refresh()

    def _failed(self, problem: str) -> None:
        self.problem = problem
        self.refresh()

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
        strips = _to_strips(self._pixels, size, self.rich_style) if self._pixels is not None else []
        self._strips = (size, strips)
        return strips


def _source_size(path: Path) -> tuple[int, int] | None:
    """The image's size from its header (cheap: the pixels are not decoded)."""
    try:
        with PILImage.open(path) as image:
            width, height = image.size
            return int(width), int(height)
    except (OSError, ValueError):
        return None


def fitted(image_size: tuple[int, int], box: Size) -> tuple[int, int]:
    """Columns and half-cell rows of an image scaled to fit `box` with its aspect ratio kept."""
    width, height = image_size
    if not (width and height and box.width and box.height):
        return 0, 0
    scale = min(box.width / width, box.height * 2 / height)
    return max(1, round(width * scale)), max(2, round(height * scale / 2) * 2)


def _to_strips(pixels: PILImage.Image, box: Size, background: Style) -> list[Strip]:
    columns, rows = fitted(pixels.size, box)
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
