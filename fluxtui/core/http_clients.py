"""The HTTP clients fluxtui sends with: httpx's API, over aiohttp for HTTP/1.1
(`http_transport`), or over httpx's own pool where HTTP/2 is asked for (aiohttp speaks only
HTTP/1.1).

A provider's client keeps no cookies: no provider API uses them (providers.md documents none),
and httpx would otherwise run every answer through `http.cookiejar` to look for one, a sixth of
a poll's client CPU. The downloads' client keeps them, for a redirect chain that sets one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from httpx._utils import get_environment_proxies

from fluxtui import __version__
from fluxtui.core.http_transport import AiohttpTransport

USER_AGENT = f"fluxtui/{__version__}"

#: seconds an idle connection is kept for the next request. Servers close idle connections
#: too (uvicorn and Node after 5 s): a paid submit written on a connection the server has just
#: closed may or may not have reached it, so the pool drops a connection well before that.
KEEPALIVE_EXPIRY = 4.0


class _NoCookies(httpx.Cookies):
    """A cookie store that stays empty: it takes nothing from answers and adds nothing to
    requests."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set_cookie_header(self, request: httpx.Request) -> None:
        return None

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        return None


class CookielessClient(httpx.AsyncClient):
    """An `httpx.AsyncClient` that keeps no cookies (`client.cookies` is always empty)."""

    def __init__(self, **kwargs: Any) -> None:
        self._none = _NoCookies()
        super().__init__(**kwargs)

    @property
    def cookies(self) -> httpx.Cookies:
        return self._none

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        return None  # none are kept


def new_client(
    *,
    timeout: httpx.Timeout,
    max_connections: int = 100,
    http2: bool = False,
    follow_redirects: bool = False,
    headers: Mapping[str, str] | None = None,
    cookies: bool = False,
) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` that names fluxtui as its user agent (`headers` may add more),
    keeping no cookies unless `cookies` says so.

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
    kind = httpx.AsyncClient if cookies else CookielessClient
    return kind(
        timeout=timeout,
        limits=limits,
        http2=http2,
        transport=None if http2 else AiohttpTransport(limits=limits),
        mounts=proxied,
        follow_redirects=follow_redirects,
        headers={"user-agent": USER_AGENT, **(headers or {})},
    )
