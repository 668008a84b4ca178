"""A connection that fails says which host, why and what to check, over real sockets: a refused
port on 127.0.0.1, a name that cannot resolve (`.invalid` never does, and asks only the local
resolver), and TLS spoken to a plain-HTTP server (the simulator); through both of the clients'
transports (aiohttp's HTTP/1.1 pool, and httpx's own for HTTP/2)."""

from __future__ import annotations

import socket

import httpx
import pytest

from fluxtui.core.http_clients import new_client
from fluxtui.core.providers.answers import transport_error
from tests.test_cli import run_cli


def free_port() -> int:
    """A port that was free a moment ago: nothing listens there."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(params=[False, True], ids=["http1-aiohttp", "http2-httpx"])
def http2(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


async def failure(url: str, http2: bool) -> httpx.TransportError:
    async with new_client(timeout=httpx.Timeout(10.0), http2=http2) as client:
        with pytest.raises(httpx.TransportError) as raised:
            await client.get(url)
    return raised.value


async def test_a_refused_port_is_named_with_what_to_check(http2: bool) -> None:
    port = free_port()
    error = transport_error("bfl", await failure(f"http://127.0.0.1:{port}/v1/flux-pro-1.1", http2))
    assert error.message == (
        f"bfl: could not connect: 127.0.0.1:{port} refused the connection (nothing listens "
        "there): check the base URL's host and port, and that the service (or your proxy) is "
        "running"
    )
    assert not error.request_sent  # nothing reached a server: a submit may be sent again


async def test_a_name_that_does_not_resolve_is_a_dns_failure(http2: bool) -> None:
    url = "https://nonexistent.invalid/fal-ai/flux/dev"
    error = transport_error("fal", await failure(url, http2))
    assert error.message.startswith(
        "fal: could not connect: the name nonexistent.invalid does not resolve (DNS failure): "
        "check the host name in the base URL"
    )
    assert not error.request_sent


async def test_tls_to_a_plain_http_server_is_a_tls_failure(sim, http2: bool) -> None:
    plain = sim.base_url("bfl")  # http://127.0.0.1:PORT…
    host_port = plain.split("//", 1)[1].split("/", 1)[0]
    error = transport_error("bfl", await failure(plain.replace("http://", "https://", 1), http2))
    assert error.message.startswith(f"bfl: could not connect: TLS failure with {host_port} (")
    assert "a plain-HTTP server takes http://" in error.message


def test_generate_offline_says_which_host_and_why(monkeypatch, capsys) -> None:
    monkeypatch.setenv("BFL_API_KEY", "bfl-looks-real-0123456789abcdef")
    port = free_port()
    code, out, err = run_cli(
        capsys, "generate", "a fox", "-p", "bfl", "--base-url", f"http://127.0.0.1:{port}"
    )
    assert code == 1 and out == ""
    assert f"bfl: could not connect: 127.0.0.1:{port} refused the connection" in err
    assert "bfl-looks-real" not in err
