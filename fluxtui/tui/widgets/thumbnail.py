"""Small thumbnails drawn with half-cell blocks in a fixed box of cells, for the library's rows.

`render_thumbnail` is blocking (it may decode the image once, to make the cached thumbnail in the
user cache dir through `core.thumbnails`): call it from a thread worker. What it returns is plain
data (segments per line), cheap to draw in `render_line`. `ThumbnailCache` keeps the recent ones.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size

THUMBNAIL_PX = 64  # the cached thumbnail's longest side: ample for a box of a dozen cells
CACHE_SIZE = 600  # thumbnails kept in memory (a few screens of rows)

#: one line of a thumbnail: segments `columns` cells wide in all
Lines = tuple[tuple[Segment, ...], ...]


def render_thumbnail(image: Path, columns: int, rows: int) -> Lines:
    """`image` scaled into `columns`×`rows` cells (centred, aspect kept) as lines of segments.

    Blocking; ThumbnailError (a FluxtuiError) when the image cannot be read. (Pillow is imported
    here, with the first thumbnail: the form that may show some is in the app's first frame.)
    """
    from PIL import Image

    from fluxtui.core import thumbnails
    from fluxtui.tui.widgets.halfcell import UPPER_HALF, fitted

    small = thumbnails.thumbnail(image, THUMBNAIL_PX)
    with Image.open(small) as opened:
        pixels = thumbnails.flat_rgb(opened)
    width, height = fitted(pixels.size, Size(columns, rows))
    scaled = pixels.resize((width, height), Image.Resampling.BILINEAR)
    data = scaled.load()
    assert data is not None
    left = (columns - width) // 2
    top = (rows - height // 2) // 2
    blank = (Segment(" " * columns),)
    lines: list[tuple[Segment, ...]] = [blank] * top
    for y in range(0, height, 2):
        segments = [Segment(" " * left)]
        for x in range(width):
            upper, lower = data[x, y], data[x, y + 1]
            style = Style(color=Color.from_rgb(*upper), bgcolor=Color.from_rgb(*lower))  # type: ignore[misc]
            segments.append(Segment(UPPER_HALF, style))
        segments.append(Segment(" " * (columns - left - width)))
        lines.append(tuple(Segment.simplify(segments)))
    lines += [blank] * (rows - len(lines))
    return tuple(lines[:rows])


class ThumbnailCache:
    """Rendered thumbnails by image path, the least recently used dropped first; also the paths
    that could not be read (so they are not tried again on every scroll)."""

    def __init__(self, size: int = CACHE_SIZE):
        self._size = size
        self._lines: OrderedDict[str, Lines | None] = OrderedDict()

    def __contains__(self, path: str) -> bool:
        return path in self._lines

    def get(self, path: str) -> Lines | None:
        """The thumbnail of `path`; None if it is not made yet or could not be made."""
        lines = self._lines.get(path)
        if lines is not None:
            self._lines.move_to_end(path)
        return lines

    def put(self, path: str, lines: Lines | None) -> None:
        """Keep `lines` for `path` (None: the image could not be read)."""
        self._lines[path] = lines
        self._lines.move_to_end(path)
        while len(self._lines) > self._size:
            self._lines.popitem(last=False)
