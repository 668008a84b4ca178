"""The HTTP clients fluxtui sends with: httpx's API, over aiohttp for HTTP/1.1
(`http_transport`), or over httpx's own pool where HTTP/2 is asked for (aiohttp speaks only
HTTP/1.1)."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from httpx._utils import get_environment_proxies

from fluxtui import __version__
from fluxtui.core.http_transport import AiohttpTransport

USER_AGENT = f"fluxtui/{__version__}"

#: seconds an idle connection is kept for the next request. Servers close idle connections
#: too (uvicorn and Node after 5 s): a paid submit written on a connection the server has just
#: closed may or may not have reached it, so the pool drops a connection well before that.
KEEPALIVE_EXPIRY = 4.0


def new_client(
    *,
    timeout: httpx.Timeout,
    max_connections: int = 100,
    http2: bool = False,
    follow_redirects: bool = False,
    headers: Mapping[str, str] | None = None,
) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` that names fluxtui as its user agent (`headers` may add more).

    A URL the environment sends through a proxy (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, less
    `NO_PROXY`) goes through httpx's own transport for that proxy: httpx reads the environment
    only for a client without a transport of its own."""
    limits = httpx.Limits(max_connections=max_connections, keepalive_expiry=KEEPALIVE_EXPIRY)
    proxied: dict[str, httpx.AsyncBaseTransport | None] = {
        pattern: None
        if proxy is None
        else httpx.AsyncHTTPTransport(proxy=proxy, limits=limits, http2=http2)
        for pattern, proxy in get_environment_proxies().items()
    }
    return httpx.AsyncClient(
        timeout=timeout,
        limits=limits,
        http2=http2,
        transport=None if http2 else AiohttpTransport(limits=limits),
        mounts=proxied,
        follow_redirects=follow_redirects,
        headers={"user-agent": USER_AGENT, **(headers or {})},
    )
