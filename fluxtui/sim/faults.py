"""Connection-level faults: answers that end the connection instead of completing, or that
take their time.

Closing a connection needs its transport, which ASGI does not expose: the simulator's server
(``server.py``) puts a ``close()`` callable into each request's scope under
``scope["extensions"][CLOSE_EXTENSION]``. Without it (in-process, e.g. ``httpx.ASGITransport``)
a dropped answer raises :class:`ConnectionDropped` instead.
"""

from __future__ import annotations

import asyncio

from starlette.types import Receive, Scope, Send

CLOSE_EXTENSION = "fluxtui.sim.close"


class ConnectionDropped(Exception):
    """Raised in-process where the connection cannot really be closed."""


async def _close(scope: Scope, receive: Receive) -> None:
    close = scope.get("extensions", {}).get(CLOSE_EXTENSION)
    if close is None:
        raise ConnectionDropped("the simulator dropped the connection")
    close()
    await _disconnect(receive)  # until the server has noticed, so it does not answer for us


class DropConnection:
    """Close the connection without sending a byte of an answer."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _close(scope, receive)


Headers = list[tuple[bytes, bytes]]


class TruncatedBody:
    """Announce the full ``Content-Length``, send half of the body, then close."""

    def __init__(self, body: bytes, headers: Headers) -> None:
        self.body = body
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.headers})
        await send(
            {
                "type": "http.response.body",
                "body": self.body[: len(self.body) // 2],
                "more_body": True,
            }
        )
        await _close(scope, receive)


class PaddedBody:
    """Send the body, then ``pad`` zero bytes, announced in full, in pieces of ``PIECE`` bytes:
    a download as large as one likes, never held in memory. Stops when the client goes away."""

    PIECE = 64 * 1024

    def __init__(self, body: bytes, headers: Headers, pad: int) -> None:
        self.body = body
        self.pad = pad
        length = str(len(body) + pad).encode()
        self.headers = [(k, length if k == b"content-length" else v) for k, v in headers]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.headers})
        pour = asyncio.ensure_future(self._pour(send))
        gone = asyncio.ensure_future(_disconnect(receive))
        await asyncio.wait({pour, gone}, return_when=asyncio.FIRST_COMPLETED)
        for task in (pour, gone):
            task.cancel()

    async def _pour(self, send: Send) -> None:
        await send({"type": "http.response.body", "body": self.body, "more_body": True})
        zeros = bytes(self.PIECE)
        for start in range(0, self.pad, self.PIECE):
            piece = zeros[: min(self.PIECE, self.pad - start)]
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


class SlowBody:
    """Send the whole body, announced in full, at ``rate`` bytes per second.

    Small pieces at short intervals (at most 10 a second), so that a client's read timeout
    never fires; stops when the client goes away.
    """

    def __init__(self, body: bytes, headers: Headers, rate: float) -> None:
        self.body = body
        self.headers = headers
        self.piece = max(1, int(rate / 10))
        self.interval = self.piece / rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.headers})
        drip = asyncio.ensure_future(self._drip(send))
        gone = asyncio.ensure_future(_disconnect(receive))
        await asyncio.wait({drip, gone}, return_when=asyncio.FIRST_COMPLETED)
        for task in (drip, gone):
            task.cancel()

    async def _drip(self, send: Send) -> None:
        for start in range(0, len(self.body), self.piece):
            await asyncio.sleep(self.interval)
            await send(
                {
                    "type": "http.response.body",
                    "more_body": True,
                    "body": self.body[start : start + self.piece],
                }
            )
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _disconnect(receive: Receive) -> None:
    """Return once the client has gone away."""
    while (await receive())["type"] != "http.disconnect":
        pass
