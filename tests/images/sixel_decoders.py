"""Decode Sixel back to pixels with real decoders: ImageMagick's `convert` and libsixel's
`sixel2png` (see tests/system_tools.py for when they are missing)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from PIL import Image

from tests.system_tools import require


def imagemagick(sixels: str, scratch: Path) -> Image.Image:
    source = scratch / "image.six"
    source.write_text(sixels, encoding="ascii")
    done = subprocess.run(
        [require("convert"), f"sixel:{source}", "png:-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return Image.open(io.BytesIO(done.stdout)).convert("RGB")


def libsixel(sixels: str, scratch: Path) -> Image.Image:
    done = subprocess.run(
        [require("sixel2png")],
        input=sixels.encode("ascii"),
        capture_output=True,
        check=True,
        timeout=60,
    )
    return Image.open(io.BytesIO(done.stdout)).convert("RGB")


DECODERS = {"imagemagick": imagemagick, "libsixel": libsixel}


def row_errors(decoded: Image.Image, source: Image.Image) -> list[float]:
    """Each row's mean absolute error per channel (of 255): a band drawn a row off shows here."""
    width, height = source.size
    a, b = decoded.tobytes(), source.convert("RGB").tobytes()
    stride = width * 3
    return [
        sum(abs(x - y) for x, y in zip(a[y0 : y0 + stride], b[y0 : y0 + stride], strict=True))
        / stride
        for y0 in range(0, height * stride, stride)
    ]
