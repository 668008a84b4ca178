"""The simulator's "model": a deterministic picture of the request, drawn with Pillow.

Same inputs give identical bytes: a four-corner gradient and rings coloured from a hash of the
request, the prompt wrapped on top, the model, seed and size in a footer. A request with input
images shows them: the first one fills the picture under the gradient (tinted by it), every one
is a thumbnail in a row above the footer, and a Fill mask's white region is washed magenta.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
import textwrap
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont, ImageOps

#: The largest image the simulator draws; bigger requests keep their aspect ratio.
MAX_PIXELS = 4 * 1024 * 1024
#: flux-pro-1.1-ultra makes ~4 MP images; the simulator draws them at ~2 MP to stay quick.
ULTRA_PIXELS = 2_000_000
#: How much of the first input shows through the gradient (0: none, 1: only the input).
INPUT_WEIGHT = 0.7
#: The colour a Fill mask's region (white = repaint) is washed with, and how strongly (0-255).
MASK_COLOUR = (255, 0, 255)
MASK_STRENGTH = 140


@dataclass(frozen=True)
class RenderSpec:
    text: str
    seed: int
    model: str
    width: int
    height: int
    fmt: str  # "jpeg" | "png" | "webp"
    black: bool = False  # what a safety checker leaves of a flagged image
    transparent: bool = False  # png/webp: an alpha channel, the background outside an oval clear
    inputs: tuple[bytes, ...] = field(default=(), repr=False)  # input images (checked ones)
    mask: bytes | None = field(default=None, repr=False)  # Fill: white = the region repainted


def fit(width: int, height: int, max_pixels: int = MAX_PIXELS) -> tuple[int, int]:
    """``width`` x ``height`` scaled down to at most ``max_pixels``, keeping the aspect ratio."""
    if width * height <= max_pixels:
        return width, height
    scale = math.sqrt(max_pixels / (width * height))
    return max(1, int(width * scale)), max(1, int(height * scale))


def aspect_size(ratio: str, pixels: int) -> tuple[int, int] | None:
    """The size of about ``pixels`` pixels with aspect ``ratio`` ("W:H"); None if malformed."""
    w_text, sep, h_text = ratio.partition(":")
    if not (sep and w_text.strip().isdigit() and h_text.strip().isdigit()):
        return None
    w, h = int(w_text), int(h_text)
    if not w or not h:
        return None
    width = math.sqrt(pixels * w / h)
    return int(width), int(width * h / w)


def render(spec: RenderSpec) -> bytes:
    """Encode the picture for ``spec`` as JPEG, PNG or WebP bytes."""
    size = (spec.width, spec.height)
    image = Image.new("RGB", size) if spec.black else _picture(spec)
    if spec.transparent and spec.fmt in ("png", "webp"):
        alpha = Image.new("L", size, 0)
        ImageDraw.Draw(alpha).ellipse((0, 0, size[0] - 1, size[1] - 1), fill=255)
        image.putalpha(alpha)
    out = io.BytesIO()
    if spec.fmt == "png":
        image.save(out, "PNG", compress_level=1)
    elif spec.fmt == "webp":
        image.save(out, "WEBP", quality=80, method=0)
    else:
        image.save(out, "JPEG", quality=88)
    return out.getvalue()


def _picture(spec: RenderSpec) -> Image.Image:
    digest = hashlib.sha256(
        f"{spec.text}\0{spec.seed}\0{spec.model}\0{spec.width}x{spec.height}".encode()
    ).digest()
    rng = random.Random(digest)
    w, h = spec.width, spec.height

    corners = Image.new("RGB", (2, 2))
    corners.putdata([tuple(digest[i : i + 3]) for i in (0, 3, 6, 9)])
    image = corners.resize((w, h), Image.Resampling.BILINEAR)
    if spec.inputs:
        first = ImageOps.fit(_rgb(spec.inputs[0]), (w, h))
        image = Image.blend(image, first, INPUT_WEIGHT)
    if spec.mask is not None:
        with Image.open(io.BytesIO(spec.mask)) as mask:
            region = mask.convert("L").resize((w, h))
        wash = region.point(lambda v: MASK_STRENGTH if v >= 128 else 0)
        image.paste(Image.new("RGB", (w, h), MASK_COLOUR), mask=wash)

    draw = ImageDraw.Draw(image)
    short = min(w, h)
    for _ in range(6):
        r = rng.randint(short // 10 + 1, short // 3 + 2)
        x, y = rng.randint(0, w), rng.randint(0, h)
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        draw.ellipse((x - r, y - r, x + r, y + r), outline=colour, width=max(1, short // 60))

    size = max(8, short // 16)
    font = ImageFont.load_default(size=size)
    chars = max(8, int(w * 0.9 / (size * 0.55)))
    lines = textwrap.wrap(spec.text, chars)[: max(1, int(h * 0.75 / (size * 1.25)))]
    draw.multiline_text(
        (w // 20, h // 20),
        "\n".join(lines),
        font=font,
        fill="white",
        stroke_width=max(1, size // 12),
        stroke_fill="black",
        spacing=size // 4,
    )
    small = max(8, short // 32)
    _thumbnails(image, spec.inputs, bottom=h - small * 3)
    footer = f"{spec.model} | seed {spec.seed} | {w}x{h}"
    draw.text(
        (w // 20, h - small * 2),
        footer,
        font=ImageFont.load_default(size=small),
        fill="white",
        stroke_width=1,
        stroke_fill="black",
    )
    return image


def _rgb(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        rgb: Image.Image = image.convert("RGB")  # typed Any by some Pillow versions
    return rgb


def _thumbnails(image: Image.Image, inputs: tuple[bytes, ...], bottom: int) -> None:
    """Each input as a framed square thumbnail, in a row from the left ending at ``bottom``."""
    w, h = image.size
    side = max(8, min(w, h) // 8)
    gap = max(2, side // 10)
    for k, data in enumerate(inputs):
        left = gap + k * (side + gap)
        if left + side > w:
            break
        thumb = ImageOps.fit(_rgb(data), (side - 2, side - 2))
        frame = Image.new("RGB", (side, side), "white")
        frame.paste(thumb, (1, 1))
        image.paste(frame, (left, max(0, bottom - side)))
