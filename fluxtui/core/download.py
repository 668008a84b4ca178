"""Fetching an image into a file: streamed, capped at `MAX_IMAGE_BYTES`, bounded by a deadline.

Whatever the network or the server does ends as a `ProviderError` with a message for users.
Only a failure to write the file passes through as the `OSError` it is: the caller decides where
else the bytes can go.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
from dataclasses import dataclass
from typing import BinaryIO

import httpx

from fluxtui.core.durations import human
from fluxtui.core.errors import ProviderError
from fluxtui.core.models import ErrorKind
from fluxtui.core.providers.answers import retry_after_seconds
from fluxtui.core.providers.transport import connect_problem, where

MAX_IMAGE_BYTES = 200 * 1024 * 1024
EXPIRED_STATUSES = frozenset({401, 403, 404, 410})  # signed URLs answer these once expired
_TRANSPORT_WORDS: dict[type[httpx.TransportError], str] = {
    httpx.ConnectError: "could not connect to the image host",
    httpx.ConnectTimeout: "timed out connecting to the image host",
    httpx.ReadTimeout: "the image download timed out waiting for data",
}


@dataclass
class _Progress:
    started: float
    received: int = 0  # bytes after content decoding, as written
    encoding: str = ""


async def fetch_into(
    client: httpx.AsyncClient, url: str, sink: BinaryIO, *, deadline: float | None = None
) -> int:
    """Write the image at `url` (http(s) or data:) into `sink`; the number of bytes written.

    `deadline` is a `time.monotonic()` instant: a download still running then (however steadily
    its bytes trickle in) ends with a transient error.
    """
    if url.startswith("data:"):
        data = _decode_data_url(url)
        _check_size(len(data))
        sink.write(data)
        return len(data)
    progress = _Progress(time.monotonic())
    timeout = asyncio.timeout_at(_loop_time(deadline))
    try:
        async with timeout:
            await _stream(client, url, sink, progress)
    except TimeoutError:
        if not timeout.expired():
            raise
        seconds = time.monotonic() - progress.started
        raise ProviderError(
            ErrorKind.TRANSPORT,
            f"the image download stalled: {progress.received} bytes in {human(seconds)}",
        ) from None
    return progress.received


def _loop_time(deadline: float | None) -> float | None:
    """A `time.monotonic()` instant on the running loop's clock."""
    if deadline is None:
        return None
    return asyncio.get_running_loop().time() + (deadline - time.monotonic())


async def _stream(client: httpx.AsyncClient, url: str, sink: BinaryIO, progress: _Progress) -> None:
    try:
        async with client.stream("GET", url) as response:
            _check_status(response)
            progress.encoding = response.headers.get("content-encoding", "")
            async for chunk in response.aiter_bytes():
                progress.received += len(chunk)
                _check_size(progress.received)
                sink.write(chunk)
            _check_complete(response)
    except httpx.TooManyRedirects:
        raise ProviderError(ErrorKind.TRANSPORT, "the image URL redirects in a loop") from None
    except httpx.DecodingError:
        encoding = progress.encoding or "content encoding"
        raise ProviderError(
            ErrorKind.TRANSPORT, f"the download was corrupt (bad {encoding})"
        ) from None
    except httpx.InvalidURL:
        raise ProviderError(
            ErrorKind.BAD_RESPONSE, f"the image URL is not valid: {url[:200]!r}", ends_job=True
        ) from None
    except httpx.TransportError as exc:
        what = _TRANSPORT_WORDS.get(type(exc), "the image download broke off")
        problem = connect_problem(exc)
        message = (
            f"{what}: {problem}" if problem else f"{what} ({where(exc)}, {type(exc).__name__})"
        )
        raise ProviderError(ErrorKind.TRANSPORT, message) from None
    except httpx.HTTPError as exc:
        raise ProviderError(
            ErrorKind.TRANSPORT, f"the image download failed ({type(exc).__name__})"
        ) from None


def _check_status(response: httpx.Response) -> None:
    code = response.status_code
    if response.is_success:
        return
    if code in EXPIRED_STATUSES:
        raise ProviderError(
            ErrorKind.NOT_FOUND,
            f"the image URL answered {code}: it has expired or was revoked",
            status_code=code,
        )
    if code == 429:
        kind, what = ErrorKind.RATE_LIMITED, "the image download was rate-limited (HTTP 429)"
    elif code >= 500:
        kind, what = ErrorKind.SERVER, f"the image download answered HTTP {code}"
    else:
        kind, what = ErrorKind.FAILED, f"the image download answered HTTP {code}"
    raise ProviderError(
        kind, what, status_code=code, retry_after=retry_after_seconds(response.headers)
    )


def _check_size(received: int) -> None:
    if received > MAX_IMAGE_BYTES:
        raise ProviderError(
            ErrorKind.BAD_RESPONSE,
            f"refused: the image is larger than {MAX_IMAGE_BYTES / 2**20:g} MB",
            ends_job=True,
        )


def _check_complete(response: httpx.Response) -> None:
    """The bytes on the wire match `Content-Length` (which counts them before any decoding)."""
    expected = response.headers.get("content-length", "")
    if expected.isdigit() and int(expected) != response.num_bytes_downloaded:
        raise ProviderError(
            ErrorKind.TRANSPORT,
            "the image download was truncated:"
            f" {response.num_bytes_downloaded} of {expected} bytes",
        )


def _decode_data_url(url: str) -> bytes:
    header, _, payload = url.partition(",")
    if not header.endswith(";base64"):
        raise ProviderError(
            ErrorKind.BAD_RESPONSE, "an inline image was not base64-encoded", ends_job=True
        )
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ProviderError(
            ErrorKind.BAD_RESPONSE, "an inline image had broken base64", ends_job=True
        ) from None
