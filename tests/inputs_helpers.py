"""Image files for the input-image tests, made with Pillow on the fly."""

from __future__ import annotations

import io
from pathlib import Path

from fluxtui.core.input_images import InputImage
from fluxtui.core.input_resolve import check_file


def image_bytes(
    size: tuple[int, int] = (64, 48), fmt: str = "PNG", color: str = "teal", noise: bool = False
) -> bytes:
    """An image of `size` in `fmt`; `noise` makes it hard to compress (large files)."""
    from PIL import Image

    if noise:
        import os

        picture = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        picture = Image.new("RGB", size, color)
    out = io.BytesIO()
    picture.save(out, fmt)
    return out.getvalue()


def write_image(
    path: Path, size: tuple[int, int] = (64, 48), fmt: str = "PNG", **kw: object
) -> Path:
    path.write_bytes(image_bytes(size, fmt, **kw))  # type: ignore[arg-type]
    return path


def local_input(path: Path, role: str = "image", size: tuple[int, int] = (64, 48)) -> InputImage:
    """A checked input of a new PNG at `path`."""
    write_image(path, size)
    return check_file(path, path.name, "mask" if role == "mask" else "image")
