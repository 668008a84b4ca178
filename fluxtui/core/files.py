"""Saving results: download an image, check it is whole, write provenance in, rename into place.

A file under the library is either complete and verified or absent: bytes go to a hidden temp file
in the destination folder, are flushed to disk, then renamed over the final name.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from fluxtui.core import provenance
from fluxtui.core.errors import ProviderError
from fluxtui.core.models import ErrorKind, ImageRef

MAX_IMAGE_BYTES = 200 * 1024 * 1024
EXPIRED_STATUSES = frozenset({401, 403, 404, 410})  # signed URLs answer these once expired


def image_path(library: Path, job_id: str, created_at: float, index: int, count: int, ext: str) -> Path:
    """`<library>/<YYYY-MM-DD>/<job-id>[-n].<ext>`; `-n` (from 1) only when the job made several."""
    day = datetime.fromtimestamp(created_at).strftime("%Y-%m-%d")
    suffix = f"-{index + 1}" if count > 1 else ""
    return library / day / f"{job_id}{suffix}.{ext}"


async def fetch_bytes(client: httpx.AsyncClient, image: ImageRef) -> bytes:
    """The image's bytes, from a data: URL or over HTTP, checked to be complete."""
    if image.url.startswith("data:"):
        return _decode_data_url(image.url)
    try:
        async with client.stream("GET", image.url) as response:
            if response.status_code in EXPIRED_STATUSES:
                raise ProviderError(
                    ErrorKind.NOT_FOUND,
                    f"the image URL answered {response.status_code}: it has expired or was revoked",
                    status_code=response.status_code,
                )
            if response.status_code >= 400:
                kind = ErrorKind.SERVER if response.status_code >= 500 else ErrorKind.FAILED
                raise ProviderError(
                    kind,
                    f"the image download answered HTTP {response.status_code}",
                    status_code=response.status_code,
                )
            chunks = bytearray()
            async for chunk in response.aiter_bytes():
                chunks += chunk
                if len(chunks) > MAX_IMAGE_BYTES:
                    raise ProviderError(ErrorKind.BAD_RESPONSE, "the image is larger than 200 MB")
            expected = response.headers.get("content-length")
    except httpx.TransportError as exc:
        raise ProviderError(
            ErrorKind.TRANSPORT, f"the image download broke off ({type(exc).__name__})"
        ) from None
    if expected and expected.isdigit() and int(expected) != len(chunks):
        raise ProviderError(
            ErrorKind.TRANSPORT,
            f"the image download was truncated: {len(chunks)} of {expected} bytes",
        )
    return bytes(chunks)


def _decode_data_url(url: str) -> bytes:
    header, _, payload = url.partition(",")
    if not header.endswith(";base64"):
        raise ProviderError(ErrorKind.BAD_RESPONSE, "an inline image was not base64-encoded")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ProviderError(ErrorKind.BAD_RESPONSE, "an inline image had broken base64") from None


def verify_image(data: bytes) -> tuple[str, int, int]:
    """(format, width, height) of a whole, decodable PNG/JPEG/WebP; ProviderError otherwise."""
    from PIL import Image, UnidentifiedImageError

    fmt = provenance.sniff_format(data)
    if fmt is None:
        head = data[:60].decode("utf-8", "replace").strip()
        raise ProviderError(
            ErrorKind.BAD_RESPONSE, f"the download is not a PNG, JPEG or WebP image: {head!r}"
        )
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()  # decodes every byte: a truncated image raises here
            return fmt, img.width, img.height
    except (OSError, UnidentifiedImageError, SyntaxError) as exc:
        raise ProviderError(
            ErrorKind.BAD_RESPONSE, f"the downloaded {fmt.upper()} is damaged: {exc}"
        ) from None


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that `path` is never seen half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


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
) -> tuple[Path, int, int]:
    """Download, verify, stamp and store one image. Returns (path, width, height)."""
    data = await fetch_bytes(client, image)
    fmt, width, height = await asyncio.to_thread(verify_image, data)
    stamped = provenance.embed(data, {**meta, "width": width, "height": height})
    path = image_path(library, job_id, created_at, index, count, "jpg" if fmt == "jpeg" else fmt)
    await asyncio.to_thread(write_atomically, path, stamped)
    return path, width, height
