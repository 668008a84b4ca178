"""A Sixel encoder: a Pillow image to the DCS sequence a Sixel terminal draws.

Pure Python (no numpy), fast enough for a preview: the work per band and colour is done by
`bytes.translate` and big-int ORs over whole rows, never a Python loop per pixel.

What it emits. textual-image 0.12's encoder defines each colour register as it first uses it, in
the middle of the image data; xterm 379 (`-ti vt340`, under Xvfb) then draws streaks and a wrong
top band, and the same output with its definitions moved to the front draws clean (mean error
against the source 5.6 → 2.5 of 255; setting its P2 to 1 changed nothing). So here:

- every colour register is defined once, up front, numbered 0…n-1 with n at most `registers` (the
  terminal's count, when the probe learnt it: a VT340-class terminal has 16), before any sixel;
- `ESC P 0;1;0 q`: P2 = 1, bits left at 0 leave the screen alone (no fill with register 0 behind
  the image); every pixel is painted anyway, as each belongs to one colour and every colour present
  in a band is drawn in that band with exactly its bits;
- `"1;1;W;H`: square pixels at the image's exact size; rows of the last band past H are never set;
- per 6-row band: `#c` + that colour's sixels for each colour, `$` between colours, `-` between
  bands (none after the last), then ST. Runs of 4+ empty or full sixels are written `!n` + sixel.
"""

from __future__ import annotations

import re
from functools import lru_cache

from PIL import Image

MAX_REGISTERS = 256  # what one paletted Pillow image holds
BAND = 6
_OFFSET = 0x3F  # "?": the sixel with no bit set
_ST = b"\x1b\\"
# Runs of 4+ empty or full sixels, written `!n` + the sixel. Other runs are rare in a dithered
# image, and matching any repeated byte costs three times as long for under 0.5% of the size.
_RUN = re.compile(rb"\?{4,}|~{4,}")
_SIXEL_CHARS = bytes(range(_OFFSET, _OFFSET + 64)) + bytes(192)  # 0…63 → "?"…"~"


def encode(
    image: Image.Image,
    *,
    registers: int = MAX_REGISTERS,
    background: tuple[int, int, int] = (0, 0, 0),
    dither: bool = True,
) -> str:
    """The Sixel sequence (DCS … ST) drawing `image` at its size, one image pixel per dot.

    Transparent parts are composited on `background` first (the terminal's cell background, so the
    image sits on the app's colour). `registers` caps the palette (at most 256); `dither` spreads
    the quantisation error (Floyd–Steinberg), which keeps gradients free of bands.
    """
    width, height = image.size
    if width < 1 or height < 1:
        raise ValueError(f"cannot encode an empty image ({width}×{height})")
    indexed = quantized(image, max(1, min(registers, MAX_REGISTERS)), background, dither=dither)
    data, palette = _compact(indexed)
    header = f'\x1bP0;1;0q"1;1;{width};{height}'.encode("ascii")
    defines = "".join(
        f"#{n};2;{_percent(r)};{_percent(g)};{_percent(b)}" for n, (r, g, b) in enumerate(palette)
    ).encode("ascii")
    bands = [_band(data, top, width, height) for top in range(0, height, BAND)]
    return (header + defines + b"-".join(bands) + _ST).decode("ascii")


def quantized(
    image: Image.Image, colors: int, background: tuple[int, int, int], *, dither: bool = True
) -> Image.Image:
    """`image` on `background`, reduced to a palette of at most `colors` (mode "P").

    The fast octree picks the palette (as close to the source as median cut, measured on photos and
    gradients, and ~50 times faster: bench/sixel_encode.py); the pixels are then mapped onto it
    with Floyd–Steinberg dithering (Pillow dithers only when it maps onto a given palette).
    """
    rgb = flattened(image, background)
    picked = rgb.quantize(colors=colors, method=Image.Quantize.FASTOCTREE)
    if not dither:
        return picked
    # Only the colours picked: the octree's unused entries are black, and dithering would use them.
    flat = picked.getpalette() or []
    used = [i for i, count in enumerate(picked.histogram()) if count]
    palette = Image.new("P", (1, 1))
    palette.putpalette([value for i in used for value in flat[i * 3 : i * 3 + 3]])
    return rgb.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG)


def flattened(image: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    """`image` as RGB, its transparent parts composited on `background`."""
    transparent = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        image.mode == "P" and "transparency" in image.info
    )
    if not transparent:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    under = Image.new("RGBA", rgba.size, (*background, 255))
    return Image.alpha_composite(under, rgba).convert("RGB")


def _compact(indexed: Image.Image) -> tuple[bytes, list[tuple[int, int, int]]]:
    """The pixels as register numbers 0…n-1 (only the colours used) and each register's RGB."""
    raw = indexed.tobytes()
    flat = indexed.getpalette() or []
    used = sorted({index for index, count in enumerate(indexed.histogram()) if count})
    table = bytearray(256)
    palette: list[tuple[int, int, int]] = []
    for number, index in enumerate(used):
        table[index] = number
        palette.append((flat[index * 3], flat[index * 3 + 1], flat[index * 3 + 2]))
    return raw.translate(bytes(table)), palette


def _band(data: bytes, top: int, width: int, height: int) -> bytes:
    """One band: each colour present in its rows, `#c` + its sixels, `$` between colours."""
    rows = [data[y * width : (y + 1) * width] for y in range(top, min(top + BAND, height))]
    present = sorted(set(b"".join(rows)))
    lines = []
    for color in present:
        only = _only(color)
        bits = 0
        for shift, row in enumerate(rows):  # each row's 0/1 bytes, moved to its bit: one int OR
            bits |= int.from_bytes(row.translate(only), "big") << shift
        sixels = bits.to_bytes(width, "big").translate(_SIXEL_CHARS).rstrip(b"?")
        lines.append(b"#%d" % color + _RUN.sub(_run_length, sixels))
    return b"$".join(lines)


@lru_cache(maxsize=MAX_REGISTERS)
def _only(color: int) -> bytes:
    """A `bytes.translate` table: `color` → 1, every other register → 0."""
    table = bytearray(256)
    table[color] = 1
    return bytes(table)


def _run_length(match: re.Match[bytes]) -> bytes:
    run = match.group(0)
    return b"!%d" % len(run) + run[:1]


def _percent(value: int) -> int:
    """0…255 as the 0…100 Sixel colours are given in, rounded to the nearest."""
    return (value * 100 + 127) // 255
