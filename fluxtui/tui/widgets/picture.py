"""What every image widget shares: the file decoded off the event loop, and the fit in cells.

The widgets draw the same pixels three ways (half-cell blocks, Sixel, Kitty placeholders); each
scales the image to the cells it is given keeping its aspect ratio, from the size of one cell in
pixels (the probe's `cell_px`; unknown, a cell is taken as twice as tall as wide).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import ClassVar

from PIL import Image as PILImage
from textual.geometry import Size
from textual.widget import Widget

from fluxtui.core import thumbnails

DEFAULT_CELL_PX = (10, 20)  # when the terminal did not say: 2:1, the usual monospace cell


class Picture(Widget):
    """One image file, shown scaled to fit; subclasses draw `pixels` once they are loaded."""

    #: The largest side decoded; wider than the widget ever is in the subclass's pixels.
    MAX_PX: ClassVar[int] = 512

    def __init__(
        self,
        path: Path | str,
        *,
        cell_px: tuple[int, int] | None = None,
        id: str | None = None,
        classes: str | None = None,
    ):
        super().__init__(id=id, classes=classes)
        self.path = Path(path)
        self.cell_px = cell_px
        self.source_size = _source_size(self.path)
        self.problem: str | None = None
        self.pixels: PILImage.Image | None = None

    @property
    def cell(self) -> tuple[int, int]:
        """One cell's width and height in pixels."""
        return self.cell_px or DEFAULT_CELL_PX

    @property
    def loaded(self) -> bool:
        return self.pixels is not None or self.problem is not None

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def on_mount(self) -> None:
        self.run_worker(self._load, thread=True, group="image-load", exit_on_error=False)

    def _load(self) -> None:
        try:
            with PILImage.open(self.path) as image:
                image.draft("RGB", (self.MAX_PX, self.MAX_PX))  # JPEG: decode at a smaller scale
                pixels = thumbnails.flat_rgb(image)
                pixels.thumbnail((self.MAX_PX, self.MAX_PX))
            self.prepare(pixels)
        except (OSError, ValueError, PILImage.DecompressionBombError) as exc:
            self.app.call_from_thread(self._failed, f"cannot read the image: {exc}")
            return
        self.app.call_from_thread(self._loaded, pixels)

    def prepare(self, pixels: PILImage.Image) -> None:
        """Work a subclass does on the pixels in the loading thread, before `_loaded`."""

    def _loaded(self, pixels: PILImage.Image) -> None:
        self.pixels = pixels
        self.refresh()

    def _failed(self, problem: str) -> None:
        self.problem = problem
        self.refresh()


def _source_size(path: Path) -> tuple[int, int] | None:
    """The image's size from its header (cheap: the pixels are not decoded)."""
    try:
        with PILImage.open(path) as image:
            width, height = image.size
            return int(width), int(height)
    except (OSError, ValueError):
        return None


def pixel_fit(
    image_size: tuple[int, int], box: Size, cell_px: tuple[int, int]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """The image scaled to fit `box` (cells) with its aspect kept: its pixels, and the cells they
    take (the last row and column may be partly filled). ((0, 0), (0, 0)) when nothing fits."""
    width, height = image_size
    cell_w, cell_h = cell_px
    if not (width and height and box.width > 0 and box.height > 0 and cell_w and cell_h):
        return (0, 0), (0, 0)
    scale = min(box.width * cell_w / width, box.height * cell_h / height)
    pixels = (
        max(1, min(box.width * cell_w, round(width * scale))),
        max(1, min(box.height * cell_h, round(height * scale))),
    )
    return pixels, (math.ceil(pixels[0] / cell_w), math.ceil(pixels[1] / cell_h))
