"""Input images as the services take them: read, checked, and recorded for ``GET /_sim/jobs``.

An input arrives in one of five forms: ``base64`` (BFL/Comet fields), ``data_uri``
(``data:image/png;base64,...``, fal), ``url`` (fetched by the simulator, and only from loopback:
127.0.0.0/8, ``localhost``, ``[::1]``; any other host is refused as unreachable, and redirects
are not followed, so nothing leaves the machine), ``upload`` (a file uploaded through fal's
storage flow, found in :mod:`fluxtui.sim.storage` without a request) and ``multipart`` (an
OpenAI-style edit). It must be a PNG, JPEG or WebP of at most ``SimConfig.max_input_bytes``
bytes and ``SimConfig.max_input_pixels`` pixels. Each service words a :class:`Refusal` its own way.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
import hashlib
import io
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import httpx
from PIL import Image, UnidentifiedImageError
from starlette.concurrency import run_in_threadpool

from fluxtui.sim.config import SimConfig
from fluxtui.sim.storage import UploadStore

#: The formats every service takes.
FORMATS = ("PNG", "JPEG", "WEBP")
#: Seconds the simulator waits for a loopback URL.
FETCH_TIMEOUT_S = 10.0


class Problem(StrEnum):
    NOT_AN_IMAGE = "not_an_image"
    TOO_LARGE = "too_large"  # bytes
    TOO_MANY_PIXELS = "too_many_pixels"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class Refusal:
    """Why one input is refused; ``detail`` is a sentence for the service's message."""

    field: str
    index: int
    problem: Problem
    detail: str
    limit: int | None = None


@dataclass(frozen=True, eq=False)
class InputImage:
    """One input image as the service received it: ``field`` (``index``-th of that field)."""

    field: str
    index: int
    form: str  # base64 | data_uri | url | upload | multipart
    data: bytes = dataclasses.field(repr=False)
    width: int
    height: int
    format: str  # PNG | JPEG | WEBP
    url: str | None = None
    file_name: str | None = None  # the name a multipart file part gave

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    def placeholder(self) -> str:
        """What the job's ``received`` body shows instead of inline image data."""
        return self.url if self.url is not None else f"sha256:{self.sha256}"

    def listing(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "index": self.index,
            "form": self.form,
            "sha256": self.sha256,
            "bytes": len(self.data),
            "size": [self.width, self.height],
            "format": self.format,
            "url": self.url,
            "file_name": self.file_name,
        }


Taken = InputImage | Refusal


def examine(
    config: SimConfig, name: str, index: int, form: str, data: bytes, url: str | None = None
) -> Taken:
    """Check the bytes of one input: a PNG, JPEG or WebP within the limits."""
    if len(data) > config.max_input_bytes:
        megabytes = config.max_input_bytes / 1024 / 1024
        detail = f"the image is {len(data)} bytes, over the limit of {megabytes:g} MB"
        return Refusal(name, index, Problem.TOO_LARGE, detail, config.max_input_bytes)
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            kind = str(image.format)
            if kind not in FORMATS:
                return Refusal(
                    name, index, Problem.NOT_AN_IMAGE, f"{kind} is not PNG, JPEG or WebP"
                )
            if width * height > config.max_input_pixels:
                limit = config.max_input_pixels
                detail = f"the image is {width}x{height}, over the limit of {limit} pixels"
                return Refusal(name, index, Problem.TOO_MANY_PIXELS, detail, limit)
            image.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        detail = f"the image has more than {config.max_input_pixels} pixels"
        return Refusal(name, index, Problem.TOO_MANY_PIXELS, detail, config.max_input_pixels)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        detail = "it is not an image (PNG, JPEG or WebP)"
        return Refusal(name, index, Problem.NOT_AN_IMAGE, detail)
    return InputImage(name, index, form, data, width, height, kind, url)


def is_loopback(url: str) -> bool:
    """Whether ``url`` names a loopback host, the only ones the simulator fetches from."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _fetch(url: str, limit: int) -> bytes | str:
    """The bytes at a loopback ``url``, or why they could not be had."""
    if not is_loopback(url):
        return "the host cannot be reached"
    try:
        async with (
            httpx.AsyncClient(timeout=FETCH_TIMEOUT_S, trust_env=False) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                return f"the server answered HTTP {response.status_code}"
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) > limit:  # no need to read on: it is refused for its size
                    break
            return bytes(data)
    except httpx.HTTPError as exc:
        return f"the download failed ({type(exc).__name__})"


def _decode_base64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


async def take(config: SimConfig, uploads: UploadStore, name: str, index: int, value: str) -> Taken:
    """Read one input given as text: base64, a ``data:`` URI or a URL."""
    url: str | None = None
    if value.startswith("data:"):
        form = "data_uri"
        header, _, payload = value.partition(",")
        data = _decode_base64(payload) if header.endswith(";base64") else None
    elif value.startswith(("http://", "https://")):
        url = value
        uploaded = uploads.find(value)
        if uploaded is not None:
            form, data = "upload", uploaded.data
        else:
            form = "url"
            fetched = await _fetch(value, config.max_input_bytes)
            if isinstance(fetched, str):
                detail = f"the URL could not be downloaded: {fetched}"
                return Refusal(name, index, Problem.UNREACHABLE, detail)
            data = fetched
    else:
        form = "base64"
        data = _decode_base64(value)
    if data is None:
        detail = "it is neither a URL nor a base64-encoded image"
        return Refusal(name, index, Problem.NOT_AN_IMAGE, detail)
    return await run_in_threadpool(examine, config, name, index, form, data, url)


async def take_all(
    config: SimConfig, uploads: UploadStore, values: Iterable[tuple[str, int, str]]
) -> list[Taken]:
    """:func:`take` for each ``(field, index, value)``, concurrently, in the order given."""
    return list(
        await asyncio.gather(*(take(config, uploads, n, i, value) for n, i, value in values))
    )


def scrub(body: dict[str, Any], taken: Iterable[Taken]) -> dict[str, Any]:
    """``body`` with each inline image replaced by its placeholder (``sha256:HEX``), and a
    refused one by ``refused: PROBLEM`` (URLs stay as they were)."""
    out = dict(body)
    for item in taken:
        value = out.get(item.field)
        sent = value[item.index] if isinstance(value, list) else value
        if isinstance(item, InputImage):
            shown = item.placeholder()
        elif isinstance(sent, str) and not sent.startswith(("http://", "https://")):
            shown = f"refused: {item.problem.value}"
        else:
            continue
        if isinstance(value, list):
            out[item.field] = [*value[: item.index], shown, *value[item.index + 1 :]]
        else:
            out[item.field] = shown
    return out
