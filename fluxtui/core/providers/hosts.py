"""Which hosts a provider's key may be sent to.

A key goes to the host of the provider's base URL (same scheme, host and port). BFL's regional
clusters and fal's queue hosts live on sibling hosts: for those, `same_site` also admits any host
under the base URL's registrable domain (api.bfl.ai -> api.eu1.bfl.ai), and for an IP-literal or
loopback base URL the same address on any port (the simulator serves BFL's "other cluster" on a
second port). Never a downgrade from https to http.
"""

from __future__ import annotations

import functools
import ipaddress

import httpx

#: second-level labels under which registrations happen one level deeper (example.co.uk)
_SECOND_LEVEL = frozenset({"ac", "co", "com", "edu", "gov", "net", "org"})


def same_origin(url: str | httpx.URL, base: str | httpx.URL) -> bool:
    """`url` is on the base URL's scheme, host and port."""
    target, home = _url(url), _url(base)
    return (target.scheme, target.host, _port(target)) == (home.scheme, home.host, _port(home))


def same_site(url: str | httpx.URL, base: str | httpx.URL) -> bool:
    """`url` is on the base URL's host or a sibling: the same registrable domain, or for an IP
    literal (or localhost) the same address on any port. Never https -> http."""
    target, home = _url(url), _url(base)
    if target.scheme not in ("http", "https") or (home.scheme, target.scheme) == ("https", "http"):
        return False
    if _is_address(home.host) or _is_address(target.host):
        return target.host == home.host
    return registrable_domain(target.host) == registrable_domain(home.host)


def registrable_domain(host: str) -> str:
    """The part of a host name one registers: api.eu1.bfl.ai -> bfl.ai, queue.fal.run -> fal.run,
    api.example.co.uk -> example.co.uk (a short list of second levels, not the public suffix list:
    hosts under other multi-label suffixes are only matched against themselves)."""
    labels = host.lower().rstrip(".").split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


def _url(url: str | httpx.URL) -> httpx.URL:
    """`url` parsed. Parsing costs httpx a good part of a millisecond, and every request's URL is
    checked against the same base URL (the same URL often twice): the parses are remembered."""
    return url if isinstance(url, httpx.URL) else _parsed(url)


@functools.lru_cache(maxsize=256)
def _parsed(url: str) -> httpx.URL:
    return httpx.URL(url)


@functools.lru_cache(maxsize=256)
def _is_address(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _port(url: httpx.URL) -> int | None:
    return url.port or {"http": 80, "https": 443}.get(url.scheme)
