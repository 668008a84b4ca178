"""An image drawn with Kitty graphics and Unicode placeholders (kitty ≥ 0.28, Ghostty, WezTerm).

The PNG is transmitted once (made in the loading thread) with a virtual placement sized to the
widget; the widget's lines are placeholder cells (U+10EEEE with row and column diacritics) whose
foreground colour is the image id, rendered as ordinary strips, so Textual lays the image out
and clips it like text and nothing is drawn over other widgets. A new size replaces the
placement; the image is deleted when the widget goes. The graphics commands are written through
the app's driver (in order with Textual's own output), wrapped for tmux's passthrough when the
app runs inside tmux; the placeholders are plain text tmux keeps.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image as PILImage
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip

from fluxtui.term import kitty_graphics as kitty
from fluxtui.tui.widgets.picture import Picture, pixel_fit


class KittyImage(Picture):
    """Shows one image file with Kitty graphics placeholders, scaled to fit, centred."""

    MAX_PX = 1536

    def __init__(
        self,
        path: Path | str,
        *,
        cell_px: tuple[int, int] | None = None,
        colors: str = "truecolor",
        tmux_passthrough: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ):
        super().__init__(path, cell_px=cell_px, id=id, classes=classes)
        self.image_id = kitty.new_image_id(colors)
        self.tmux_passthrough = tmux_passthrough
        self._id_style = Style(color=Color.from_rgb(*kitty.id_rgb(self.image_id)))
        self._png: bytes | None = None
        self._placed: tuple[int, int] | None = None  # the placement's columns and rows

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self.source_size is None:
            return 1
        return max(1, self.cells(Size(width, container.height or 10_000))[1])

    def cells(self, box: Size) -> tuple[int, int]:
        """Columns and rows the image takes in `box` (at most what placeholders can number)."""
        if self.source_size is None:
            return 0, 0
        columns, rows = pixel_fit(self.source_size, box, self.cell)[1]
        return min(columns, kitty.MAX_CELLS), min(rows, kitty.MAX_CELLS)

    def prepare(self, pixels: PILImage.Image) -> None:
        out = io.BytesIO()
        pixels.save(out, "PNG", compress_level=1)
        self._png = out.getvalue()

    def _loaded(self, pixels: PILImage.Image) -> None:
        super()._loaded(pixels)
        self._place()

    def on_resize(self) -> None:
        self._place()

    def on_unmount(self) -> None:
        if self._placed is not None:
            self._write([kitty.delete(self.image_id)])
            self._placed = None

    def _place(self) -> None:
        """Send the image (first time) or a new placement, for the size the widget has now."""
        if self._png is None or not self.size.area:
            return
        size = self.cells(self.size)
        if not size[0] or size == self._placed:
            return
        if self._placed is None:
            self._write(kitty.transmit(self._png, self.image_id, *size))
        else:
            self._write([kitty.place(self.image_id, *size)])
        self._placed = size

    def _write(self, commands: list[str]) -> None:
        driver = self.app._driver
        if driver is not None:
            driver.write("".join(kitty.for_terminal(c, self.tmux_passthrough) for c in commands))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        style = self.rich_style
        if self.problem is not None:
            line = Strip([Segment(self.problem[:width], style)]) if y == 0 else Strip([])
            return line.extend_cell_length(width, style)
        if self._placed is None or y >= self._placed[1]:
            return Strip.blank(width, style)
        columns = self._placed[0]
        pad = Segment(" " * ((width - columns) // 2), style)
        cells = Segment(kitty.placeholder_row(y, columns), style + self._id_style)
        return Strip([pad, cells]).extend_cell_length(width, style)
