"""Thumbnails of library images, made on demand and cached in the user cache dir.

`thumbnail(path)` returns the cached thumbnail's path, making it first if needed. It does blocking
work (decoding an image), so a UI calls it off its event loop, e.g. from a thread worker or
`await asyncio.to_thread(thumbnail, path)`. It is safe to call from several threads (or processes)
at once, for the same image too: each writer renders into its own temporary file and renames it
into place, so a reader sees a whole thumbnail or none.

The cache key is the image's resolved path, size and modification time, and the thumbnail size:
an image replaced in place gets a new thumbnail. The cache is derived data, safe to delete.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from fluxtui.core import paths
from fluxtui.core.errors import FluxtuiError

if TYPE_CHECKING:
    from PIL.Image import Image

DEFAULT_SIZE = 256  # the longest side, in pixels
FORMAT_VERSION = 1  # bump to make every cached thumbnail stale


#: what shows through a transparent image (a FLUX.2 transparent_bg PNG or WebP) drawn flat
MATTE = (232, 232, 232)


class ThumbnailError(FluxtuiError):
    """The image cannot be read (missing, not an image, damaged); the message says which."""


def flat_rgb(image: Image, matte: tuple[int, int, int] = MATTE) -> Image:
    """`image` (a PIL image) as RGB, any transparency laid over `matte` rather than dropped
    (dropping it shows whatever colour the transparent pixels hold, often black)."""
    from PIL import Image as PIL

    if "A" not in image.getbands() and "transparency" not in image.info:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    return PIL.alpha_composite(PIL.new("RGBA", rgba.size, (*matte, 255)), rgba).convert("RGB")


def cache_folder() -> Path:
    return paths.cache_dir() / "thumbnails"


def thumbnail_path(
    image: Path | str, size: int = DEFAULT_SIZE, *, cache: Path | None = None
) -> Path:
    """Where the thumbnail of `image` at `size` is (or would be) cached. ThumbnailError if the image
    is missing."""
    source = Path(image)
    try:
        stat = source.stat()
    except OSError as exc:
        raise ThumbnailError(f"cannot read {source}: {exc.strerror or exc}") from None
    key = f"{FORMAT_VERSION}\0{source.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\0{size}"
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return (cache or cache_folder()) / digest[:2] / f"{digest}.png"


def cached_thumbnail(
    image: Path | str, size: int = DEFAULT_SIZE, *, cache: Path | None = None
) -> Path | None:
    """The thumbnail if it is cached already, else None (cheap: no decoding)."""
    try:
        path = thumbnail_path(image, size, cache=cache)
    except ThumbnailError:
        return None
    return path if path.is_file() else None


def thumbnail(image: Path | str, size: int = DEFAULT_SIZE, *, cache: Path | None = None) -> Path:
    """The path of a PNG thumbnail of `image` (longest side `size` px, aspect kept), made and cached
    if needed. Blocking; thread-safe. ThumbnailError when the image cannot be read."""
    from PIL import Image, UnidentifiedImageError

    if size < 1:
        raise ValueError(f"thumbnail size must be at least 1, got {size}")
    target = thumbnail_path(image, size, cache=cache)
    if target.is_file():
        return target
    try:
        with Image.open(image) as img:
            img.draft("RGB", (size, size))  # JPEG: decode at a reduced scale
            img.thumbnail((size, size))
            small = img.convert("RGBA" if "A" in img.getbands() else "RGB")
    except (OSError, UnidentifiedImageError, SyntaxError) as exc:
        raise ThumbnailError(f"cannot make a thumbnail of {image}: {exc}") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            small.save(handle, format="PNG")
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target
