"""Small images and image measures for the simulator's tests."""

from __future__ import annotations

import base64
import hashlib
import io

from PIL import Image, ImageStat


def picture(width: int, height: int, colour: str = "teal", fmt: str = "PNG") -> bytes:
    """A plain image of one colour, encoded as ``fmt``."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format=fmt)
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def mean(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> tuple[float, ...]:
    """The mean colour (R, G, B) of ``image`` (within ``box``)."""
    region = image.convert("RGB").crop(box) if box else image.convert("RGB")
    return tuple(ImageStat.Stat(region).mean)
