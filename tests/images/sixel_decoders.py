"""Decode Sixel back to pixels with real decoders: ImageMagick's `convert` and libsixel's
`sixel2png`. Missing tools fail the test with what to install (they are CI's: `.ci/run`)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

INSTALL = "apt-get install -y imagemagick libsixel-bin"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; the Sixel decode tests need it: {INSTALL}")
    return found


def imagemagick(sixels: str, scratch: Path) -> Image.Image:
    source = scratch / "image.six"
    source.write_text(sixels, encoding="ascii")
    done = subprocess.run(
        [_tool("convert"), f"sixel:{source}", "png:-"], capture_output=True, check=True, timeout=60
    )
    return Image.open(io.BytesIO(done.stdout)).convert("RGB")


def libsixel(sixels: str, scratch: Path) -> Image.Image:
    done = subprocess.run(
        [_tool("sixel2png")],
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
