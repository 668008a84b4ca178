"""Find a preview's image on a screenshot of a terminal and measure it against the image file.

Used by `bench/terminals.py`. Only Pillow: the screenshot's most common colour is taken as the
background; pixels that differ from it by more than THRESHOLD in some channel are "painted"; the
largest rectangle of mostly painted 4×4 blocks is the image (text lines, borders and bars are too
thin or too sparse to win), and its edges are then moved, pixel by pixel, to where the painted
share of a row or column crosses one half.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from PIL import Image, ImageChops, ImageStat

THRESHOLD = 24  # 0–255: how far from the background a pixel must be to count as painted
BLOCK = 4  # pixels per side of the blocks the first, coarse search works on
BLOCK_FULL = 0.75  # share of painted pixels that makes a block part of the image
MIN_SIDE = 48  # pixels: anything smaller is not an image
WRONG = 64  # 0–255: a pixel this far off in some channel is wrong (streaks, smears, bands)


@dataclass(frozen=True)
class Box:
    """A rectangle on the screenshot, in pixels: left, top, right, bottom (exclusive)."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def __str__(self) -> str:
        return f"{self.width}×{self.height}+{self.left}+{self.top}"


@dataclass(frozen=True)
class Measure:
    """How the preview on the screen compares with the image file."""

    box: Box
    mean_error: float  # mean absolute difference per channel, 0–255
    aspect_error: float  # (preview w/h) / (image w/h) - 1: negative when drawn too tall
    wrong_share: float  # share of pixels off by more than WRONG in some channel, 0–1


def painted_mask(shot: Image.Image) -> Image.Image:
    """An L image: 255 where the screenshot differs from its background colour, else 0."""
    rgb = shot.convert("RGB")
    colours = rgb.getcolors(rgb.width * rgb.height) or []
    background = max(colours, key=lambda entry: entry[0])[1]
    diff = ImageChops.difference(rgb, Image.new("RGB", rgb.size, background))
    return _widest(diff).point(lambda value: 255 if value > THRESHOLD else 0)


def painted_share(shot: Image.Image) -> float:
    """The share of the screenshot not in its background colour: near 0 when nothing is drawn."""
    share: float = ImageStat.Stat(painted_mask(shot)).mean[0] / 255
    return share


def find_image(shot: Image.Image) -> Box | None:
    """Where the image is drawn on `shot` (a screenshot of the terminal window), or None."""
    mask = painted_mask(shot)
    columns, rows = mask.width // BLOCK, mask.height // BLOCK
    if columns == 0 or rows == 0:
        return None
    blocks = mask.crop((0, 0, columns * BLOCK, rows * BLOCK)).resize((columns, rows), Image.BOX)
    full = [value >= 255 * BLOCK_FULL for value in blocks.getdata()]
    found = _largest_rectangle(full, columns, rows)
    if found is None:
        return None
    left, top, right, bottom = found
    box = _refine(mask, Box(left * BLOCK, top * BLOCK, right * BLOCK, bottom * BLOCK))
    if box.width < MIN_SIDE or box.height < MIN_SIDE:
        return None
    return box


def measure(shot: Image.Image, box: Box, image: Image.Image) -> Measure:
    """The mean error of `box` on `shot` against `image` resized to it, and the aspect error."""
    seen = shot.convert("RGB").crop((box.left, box.top, box.right, box.bottom))
    expected = image.convert("RGB").resize(seen.size, Image.Resampling.LANCZOS)
    diff = ImageChops.difference(seen, expected)
    channel_means = ImageStat.Stat(diff).mean
    wrong = (
        ImageStat.Stat(_widest(diff).point(lambda value: 255 if value > WRONG else 0)).mean[0] / 255
    )
    aspect = (box.width / box.height) / (image.width / image.height) - 1.0
    return Measure(box, sum(channel_means) / len(channel_means), aspect, wrong)


def _widest(diff: Image.Image) -> Image.Image:
    """An L image of each pixel's largest channel of an RGB difference."""
    red, green, blue = diff.split()
    return ImageChops.lighter(ImageChops.lighter(red, green), blue)


def _largest_rectangle(
    full: list[bool], columns: int, rows: int
) -> tuple[int, int, int, int] | None:
    """The largest all-True rectangle of a row-major grid: (left, top, right, bottom) or None."""
    heights = [0] * columns
    best_area, best = 0, None
    for row in range(rows):
        base = row * columns
        for column in range(columns):
            heights[column] = heights[column] + 1 if full[base + column] else 0
        stack: list[int] = []  # columns with increasing heights
        for column in range(columns + 1):
            height = heights[column] if column < columns else 0
            while stack and heights[stack[-1]] >= height:
                top_height = heights[stack.pop()]
                left = stack[-1] + 1 if stack else 0
                area = top_height * (column - left)
                if area > best_area and top_height > 0:
                    best_area = area
                    best = (left, row + 1 - top_height, column, row + 1)
            stack.append(column)
    return best


def _refine(mask: Image.Image, box: Box) -> Box:
    """Move each edge of `box` to where the painted share of its row or column crosses 1/2."""
    left, top, right, bottom = box.left, box.top, box.right, box.bottom
    for _ in range(3):  # an edge moved changes the spans the others are measured over
        top = _edge(partial(_row, mask, left, right, 0), top, -1, 0)
        bottom = _edge(partial(_row, mask, left, right, -1), bottom, 1, mask.height)
        left = _edge(partial(_column, mask, top, bottom, 0), left, -1, 0)
        right = _edge(partial(_column, mask, top, bottom, -1), right, 1, mask.width)
    return Box(left, top, right, bottom)


def _row(mask: Image.Image, left: int, right: int, shift: int, y: int) -> float:
    return _share(mask, left, y + shift, right, y + shift + 1)


def _column(mask: Image.Image, top: int, bottom: int, shift: int, x: int) -> float:
    return _share(mask, x + shift, top, x + shift + 1, bottom)


def _edge(share: Callable[[int], float], start: int, outward: int, limit: int) -> int:
    """An edge's position: outward while the line beyond is painted, inward while its own is not.

    `share(p)` is the painted share of the line just inside an edge at `p`.
    """
    position = start
    while position != limit and share(position + outward) > 0.5:
        position += outward
    while share(position) <= 0.5 and abs(position - start) < 2 * BLOCK:
        position -= outward
    return position


def _share(mask: Image.Image, left: int, top: int, right: int, bottom: int) -> float:
    if right <= left or bottom <= top:
        return 0.0
    mean: float = ImageStat.Stat(mask.crop((left, top, right, bottom))).mean[0]
    return mean / 255
