"""The HTTP clients fluxtui sends with: httpx's API, over aiohttp for HTTP/1.1
(`http_transport`), or over httpx's own pool where HTTP/2 is asked for (aiohttp speaks only
HTTP/1.1)."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from fluxtui import __version__
from fluxtui.core.http_transport import AiohttpTransport

USER_AGENT = f"fluxtui/{__version__}"


def new_client(
    *,
    timeout: httpx.Timeout,
    max_connections: int = 100,
    http2: bool = False,
    follow_redirects: bool = False,
    headers: Mapping[str, str] | None = None,
) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` that names fluxtui as its user agent (`headers` may add more)."""
    limits = httpx.Limits(max_connections=max_connections)
    transport = None if http2 else AiohttpTransport(limits=limits)
    return httpx.AsyncClient(
        timeout=timeout,
        limits=limits,
        http2=http2,
        transport=transport,
        follow_redirects=follow_redirects,
        headers={"user-agent": USER_AGENT, **(headers or {})},
    )
