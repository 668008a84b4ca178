"""Saving results: download an image, check it is whole, write provenance in, rename into place.

A file under the library is either complete and verified or absent. The download streams into a
hidden spool file in the destination folder; it is decoded to check it, copied with its provenance
into a second hidden file, flushed to disk and renamed over the final name.

The bytes of a paid image are never dropped for want of a place: when the library cannot be
written (read-only, full, not a folder), the image goes to the fallback folder
(`paths.unsaved_dir()`), from where `place_cached` moves it once the library can take it.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import httpx
from PIL import ImageFile, JpegImagePlugin, PngImagePlugin, WebPImagePlugin

from fluxtui.core import paths, provenance
from fluxtui.core.download import fetch_into
from fluxtui.core.errors import ProviderError
from fluxtui.core.models import ErrorKind
from fluxtui.core.results import ImageRef

#: Pillow's own default limit (`PIL.Image.MAX_IMAGE_PIXELS`): larger images are not decoded.
MAX_PIXELS = 178_956_970
_EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp"}
_OPENERS: dict[str, Callable[[Path], ImageFile.ImageFile]] = {
    "png": PngImagePlugin.PngImageFile,
    "jpeg": JpegImagePlugin.JpegImageFile,
    "webp": WebPImagePlugin.WebPImageFile,
}


@dataclass(frozen=True)
class SavedImage:
    path: Path
    width: int
    height: int
    cached: bool  # True: the library could not be written; the bytes are in the cache dir


class _Unwritable(Exception):
    """A folder could not take a file."""

    def __init__(self, folder: Path, error: OSError) -> None:
        super().__init__(f"{folder} cannot be written ({error.strerror or error})")


class _TooManyPixels(Exception):
    """An image larger than `MAX_PIXELS`, found before decoding it."""

    def __init__(self, fmt: str, pixels: int) -> None:
        super().__init__(f"{pixels} pixels")
        self.fmt = fmt
        self.pixels = pixels


def image_path(
    library: Path, job_id: str, created_at: float, index: int, count: int, ext: str
) -> Path:
    """`<library>/<YYYY-MM-DD>/<job-id>[-n].<ext>`; `-n` (from 1) only when the job made several."""
    return _day_folder(library, created_at) / f"{_stem(job_id, index, count)}.{ext}"


def _day_folder(library: Path, created_at: float) -> Path:
    return library / datetime.fromtimestamp(created_at).strftime("%Y-%m-%d")


def _stem(job_id: str, index: int, count: int) -> str:
    return f"{job_id}-{index + 1}" if count > 1 else job_id


async def save_image(
    client: httpx.AsyncClient,
    image: ImageRef,
    library: Path,
    *,
    job_id: str,
    created_at: float,
    index: int,
    count: int,
    meta: dict[str, Any],
    deadline: float | None = None,
    fallback_dir: Path | None = None,
) -> SavedImage:
    """Download, verify, stamp and store one image, in the library or else in `fallback_dir`
    (by default `paths.unsaved_dir()`): then `SavedImage.cached` is True.

    `deadline` (a `time.monotonic()` instant) bounds the download. Every failure is a
    `ProviderError`; `ErrorKind.STORAGE` when neither folder could take the image.
    """
    stem = _stem(job_id, index, count)
    folders = [_day_folder(library, created_at), fallback_dir or paths.unsaved_dir()]
    spool, first = await _download(client, image.url, folders, deadline)
    try:
        fmt, width, height = await _verify(spool, folders[-1], stem)
        targets = [folder / f"{stem}.{_EXTENSIONS[fmt]}" for folder in folders[first:]]
        stamped = {**meta, "width": width, "height": height}
        path = await asyncio.to_thread(_store, spool, stamped, targets)
    finally:
        _discard(spool)
    return SavedImage(path, width, height, cached=first > 0 or path != targets[0])


def place_cached(
    path: Path, library: Path, *, job_id: str, created_at: float, index: int, count: int
) -> Path:
    """Move an image `save_image` left in the fallback folder to its place in the library.

    Raises:
        OSError: the library still cannot be written (the image stays where it is).
    """
    target = image_path(library, job_id, created_at, index, count, path.suffix.lstrip("."))
    target.parent.mkdir(parents=True, exist_ok=True)
    _move(path, target)
    return target


async def _download(
    client: httpx.AsyncClient, url: str, folders: list[Path], deadline: float | None
) -> tuple[Path, int]:
    """The spool file holding the download, and the index of the first folder that took it."""
    refusals: list[_Unwritable] = []
    for at, folder in enumerate(folders):
        try:
            return await _spool_into(client, url, folder, deadline), at
        except _Unwritable as exc:
            refusals.append(exc)
    raise _storage_error(refusals)


async def _spool_into(
    client: httpx.AsyncClient, url: str, folder: Path, deadline: float | None
) -> Path:
    """Download into a new hidden file in `folder`; `_Unwritable` when the folder refuses."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".", suffix=".download", dir=folder)
    except OSError as exc:
        raise _Unwritable(folder, exc) from None
    spool = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            await fetch_into(client, url, handle, deadline=deadline)
    except OSError as exc:  # only writing the file raises OSError: fetch_into maps the rest
        _discard(spool)
        raise _Unwritable(folder, exc) from None
    except BaseException:
        _discard(spool)
        raise
    return spool


def _discard(spool: Path) -> None:
    """Remove a spool file; one that cannot be removed stays, hidden and harmless."""
    with contextlib.suppress(OSError):
        spool.unlink(missing_ok=True)


async def _verify(spool: Path, keep_in: Path, stem: str) -> tuple[str, int, int]:
    """`_check_image`; an image with too many pixels is refused but kept in `keep_in`."""
    try:
        return await asyncio.to_thread(_check_image, spool)
    except _TooManyPixels as exc:
        target = keep_in / f"{stem}.{_EXTENSIONS[exc.fmt]}"
        kept = await asyncio.to_thread(_keep, spool, target)
        raise ProviderError(
            ErrorKind.BAD_RESPONSE,
            f"refused: the image is {exc.pixels // 10**6} MP, more than fluxtui decodes"
            f" ({MAX_PIXELS // 10**6} MP); {kept}",
            ends_job=True,
        ) from None


def _check_image(path: Path) -> tuple[str, int, int]:
    """(format, width, height) of a whole, decodable PNG/JPEG/WebP file; ProviderError otherwise,
    or `_TooManyPixels` (before decoding anything) for an image larger than `MAX_PIXELS`."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
    except OSError as exc:
        raise ProviderError(
            ErrorKind.STORAGE, f"the download could not be read back ({exc.strerror or exc})"
        ) from None
    fmt = provenance.sniff_format(head)
    if fmt is None:
        text = head.decode("utf-8", "replace").strip()
        raise ProviderError(
            ErrorKind.BAD_RESPONSE, f"the download is not a PNG, JPEG or WebP image: {text!r}"
        )
    try:
        # The format's own class reads the header only, without Pillow's pixel-limit check:
        # the limit is applied here, as a refusal rather than a DecompressionBombError.
        with _OPENERS[fmt](path) as img:
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise _TooManyPixels(fmt, width * height)
            # A JPEG is decoded at an eighth of its size: every byte of it is still read and
            # entropy-decoded (a truncated one raises), in 1/64 of the memory and less time.
            img.draft("RGB", (width // 8, height // 8))
            img.load()  # decodes every byte: a truncated image raises here
            return fmt, width, height
    except _TooManyPixels:
        raise
    except Exception as exc:  # Pillow raises many kinds on broken input; each means "damaged"
        raise ProviderError(
            ErrorKind.BAD_RESPONSE, f"the downloaded {fmt.upper()} is damaged: {exc}"
        ) from None


def _keep(spool: Path, target: Path) -> str:
    """Move refused bytes to `target`; what became of them, for the error message."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _move(spool, target)
        target.chmod(user_mode())
    except OSError as exc:
        return f"its bytes could not be kept ({exc.strerror or exc})"
    return f"its bytes are kept in {target}"


def _store(spool: Path, meta: dict[str, Any], targets: list[Path]) -> Path:
    """Write the stamped image to the first of `targets` that can be written; which one."""
    refusals: list[_Unwritable] = []
    for target in targets:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with spool.open("rb") as source, _atomic_writer(target) as out:
                provenance.stamp(source, out, meta)
        except OSError as exc:
            refusals.append(_Unwritable(target.parent, exc))
        else:
            return target
    raise _storage_error(refusals)


def _storage_error(refusals: list[_Unwritable]) -> ProviderError:
    return ProviderError(
        ErrorKind.STORAGE,
        "could not save the image anywhere: " + "; ".join(str(refusal) for refusal in refusals),
    )


def _move(source: Path, target: Path) -> None:
    """Rename `source` over `target`, or copy it (flushed to disk) where they are on different
    filesystems; `target` is never seen half-written."""
    try:
        os.replace(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        with source.open("rb") as src, _atomic_writer(target) as out:
            shutil.copyfileobj(src, out)
        source.unlink()


def user_mode() -> int:
    """The mode of a file made for the user (an image, an export): 0666 less the umask, as any
    program's new file gets. (What holds secrets, the config and the store, stays 0600.)"""
    return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without changing it where Linux tells it (else set back)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _atomic_writer(path: Path) -> Iterator[BinaryIO]:
    """A hidden temp file beside `path`, flushed to disk and renamed over `path` on success."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        os.fchmod(fd, user_mode())  # mkstemp's 0600 is for secrets: this is the user's file
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` (mode `user_mode()`) so that `path` is never seen half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _atomic_writer(path) as handle:
        handle.write(data)
