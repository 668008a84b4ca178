"""Why a connection failed, in words a user can act on: which host, what went wrong (the name
does not resolve, the port refuses, TLS fails, no answer in time, no route) and what to check.

httpx raises `ConnectError` for all of these; the cause is the exception it chains
(`__cause__`, through httpcore's): `socket.gaierror`, `ConnectionRefusedError`, `ssl.SSLError`, ….
"""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Iterator

import httpx

from fluxtui.core.text import inert

#: OSError numbers that mean the network (not the host) is out of reach
_NO_ROUTE = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN})


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and the exceptions it was raised from, outermost first (each once)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def where(exc: httpx.TransportError) -> str:
    """The host (and port, when the URL names one) the failed request was for."""
    try:
        url = exc.request.url
    except RuntimeError:  # an exception raised without its request
        return "the server"
    host = inert(url.host or "the server")
    return f"{host}:{url.port}" if url.port else host


def lasting(exc: httpx.TransportError) -> bool:
    """Whether connecting failed in a way that trying again soon cannot mend: the server's
    certificate is not trusted, or its port does not speak TLS (a setting to fix, not an outage;
    a handshake cut short, or any other TLS error, may pass)."""
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return True
        if isinstance(cause, ssl.SSLError) and cause.reason == "WRONG_VERSION_NUMBER":
            return True
    return False


def connect_problem(exc: httpx.TransportError) -> str | None:
    """Why connecting failed and what to check ("… does not resolve (DNS failure): check …"),
    or None when the chain names no cause this knows."""
    place = where(exc)
    host = place.rsplit(":", 1)[0] if ":" in place else place
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror):
            return (
                f"the name {host} does not resolve (DNS failure): check the host name in the "
                "base URL, and that this machine is online and can resolve names"
            )
        if isinstance(cause, ConnectionRefusedError):
            return (
                f"{place} refused the connection (nothing listens there): check the base "
                "URL's host and port, and that the service (or your proxy) is running"
            )
        if isinstance(cause, ssl.SSLCertVerificationError):
            return (
                f"TLS failure with {place}: its certificate is not trusted "
                f"({inert(cause.verify_message or str(cause))}): check the system clock, a "
                "proxy that intercepts TLS, or SSL_CERT_FILE"
            )
        if isinstance(cause, ssl.SSLError):
            return (
                f"TLS failure with {place} ({inert(cause.reason or str(cause))}): check that "
                "the base URL's https:// port speaks TLS (a plain-HTTP server takes http://)"
            )
        if isinstance(cause, OSError) and cause.errno in _NO_ROUTE:
            return (
                f"no route to {place} ({inert(cause.strerror or str(cause))}): check that this "
                "machine is online (network, VPN, firewall)"
            )
    if isinstance(exc, httpx.ConnectTimeout):
        return (
            f"{place} did not answer in time: check that this machine is online, and a "
            "firewall or proxy on the way"
        )
    return None
