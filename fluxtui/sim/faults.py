"""Connection-level faults: answers that end the connection instead of completing.

Closing a connection needs its transport, which ASGI does not expose: the simulator's server
(``server.py``) puts a ``close()`` callable into each request's scope under
``scope["extensions"][CLOSE_EXTENSION]``. Without it (in-process, e.g. ``httpx.ASGITransport``)
a dropped answer raises :class:`ConnectionDropped` instead.
"""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

CLOSE_EXTENSION = "fluxtui.sim.close"


class ConnectionDropped(Exception):
    """Raised in-process where the connection cannot really be closed."""


async def _close(scope: Scope, receive: Receive) -> None:
    close = scope.get("extensions", {}).get(CLOSE_EXTENSION)
    if close is None:
        raise ConnectionDropped("the simulator dropped the connection")
    close()
    # Wait until the server has noticed, so that it does not answer in our place.
    while (await receive())["type"] != "http.disconnect":
        pass


class DropConnection:
    """Close the connection without sending a byte of an answer."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _close(scope, receive)


class TruncatedBody:
    """Announce the full ``Content-Length``, send half of the body, then close."""

    def __init__(self, body: bytes, media_type: str) -> None:
        self.body = body
        self.media_type = media_type

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", self.media_type.encode()),
                (b"content-length", str(len(self.body)).encode()),
            ],
        })
        await send({"type": "http.response.body", "body": self.body[: len(self.body) // 2],
                    "more_body": True})
        await _close(scope, receive)
