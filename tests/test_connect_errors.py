"""A connection that fails says which host, why and what to check, over real sockets: a refused
port on 127.0.0.1, a name that cannot resolve (`.invalid` never does, and asks only the local
resolver), TLS spoken to a plain-HTTP server (the simulator), a TLS server whose certificate is
not trusted (self-signed, made by the `openssl` CLI), a listener that never accepts; through both
of the clients' transports (aiohttp's HTTP/1.1 pool, and httpx's own for HTTP/2)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from fluxtui.core.config import Config
from fluxtui.core.engine import Engine
from fluxtui.core.http_clients import new_client
from fluxtui.core.models import GenerationRequest, JobState
from fluxtui.core.providers.answers import transport_error
from fluxtui.core.store import Store
from tests.system_tools import require
from tests.test_cli import run_cli


def free_port() -> int:
    """A port that was free a moment ago: nothing listens there."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(params=[False, True], ids=["http1-aiohttp", "http2-httpx"])
def http2(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


async def failure(url: str, http2: bool, connect: float = 10.0) -> httpx.TransportError:
    async with new_client(timeout=httpx.Timeout(10.0, connect=connect), http2=http2) as client:
        with pytest.raises(httpx.TransportError) as raised:
            await client.post(url, content=b"{}")
    return raised.value


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that signs itself (no CA anyone trusts), and its key."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = [require("openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt"]
    command += ["ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
    command += ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)]
    subprocess.run(command, check=True, capture_output=True)
    return cert, key


@contextlib.asynccontextmanager
async def tls_server(cert: Path, key: Path) -> AsyncIterator[int]:
    """A TLS listener on 127.0.0.1 with that certificate (it answers nothing): its port."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0, ssl=context)
    async with server:
        yield int(server.sockets[0].getsockname()[1])


@contextlib.contextmanager
def never_accepting() -> Iterator[int]:
    """A listener whose accept queue is full: the kernel drops each new connection's SYN, so a
    connect waits until its timeout. Its port."""
    with contextlib.ExitStack() as stack:
        listener = stack.enter_context(socket.socket())
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = int(listener.getsockname()[1])
        for _ in range(3):  # fill the queue (a backlog of 0 holds one) and the SYN queue's slot
            filler = stack.enter_context(socket.socket())
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
        yield port


async def test_a_refused_port_is_named_with_what_to_check(http2: bool) -> None:
    port = free_port()
    error = transport_error("bfl", await failure(f"http://127.0.0.1:{port}/v1/flux-pro-1.1", http2))
    assert error.message == (
        f"bfl: could not connect: 127.0.0.1:{port} refused the connection (nothing listens "
        "there): check the base URL's host and port, and that the service (or your proxy) is "
        "running"
    )
    assert not error.request_sent  # nothing reached a server: a submit may be sent again
    assert not error.lasting


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
    assert error.lasting  # a setting to fix: a submit is not sent again


async def test_an_untrusted_certificate_is_named_and_nothing_was_sent(
    self_signed: tuple[Path, Path], http2: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("SSL_CERT_FILE", "SSL_CERT_DIR"):  # only the default CAs are trusted
        monkeypatch.delenv(variable, raising=False)
    async with tls_server(*self_signed) as port:
        raised = await failure(f"https://127.0.0.1:{port}/v1/flux-pro-1.1", http2)
    assert isinstance(raised, httpx.ConnectError)
    error = transport_error("bfl", raised)
    assert error.message.startswith(
        f"bfl: could not connect: TLS failure with 127.0.0.1:{port}: its certificate is not "
        "trusted (self-signed certificate): check the system clock, a proxy that intercepts "
        "TLS, or SSL_CERT_FILE"
    )
    assert not error.request_sent and error.lasting


async def test_a_certificate_trusted_through_ssl_cert_file_connects(
    self_signed: tuple[Path, Path], http2: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(self_signed[0]))  # as a company's own CA is
    async with tls_server(*self_signed) as port:
        raised = await failure(f"https://127.0.0.1:{port}/v1/flux-pro-1.1", http2)
    # past the handshake: the server hangs up on the request, which may have reached it
    assert transport_error("bfl", raised).request_sent


async def test_a_listener_that_never_accepts_is_a_connect_timeout(http2: bool) -> None:
    with never_accepting() as port:
        raised = await failure(f"http://127.0.0.1:{port}/v1/flux-pro-1.1", http2, connect=0.5)
    assert isinstance(raised, httpx.ConnectTimeout)
    error = transport_error("bfl", raised)
    assert error.message == (
        f"bfl: timed out connecting: 127.0.0.1:{port} did not answer in time: check that this "
        "machine is online, and a firewall or proxy on the way"
    )
    assert not error.request_sent


def test_generate_offline_says_which_host_and_why(monkeypatch, capsys) -> None:
    monkeypatch.setenv("BFL_API_KEY", "bfl-looks-real-0123456789abcdef")
    port = free_port()
    code, out, err = run_cli(
        capsys, "generate", "a fox", "-p", "bfl", "--base-url", f"http://127.0.0.1:{port}"
    )
    assert code == 1 and out == ""
    assert f"bfl: could not connect: 127.0.0.1:{port} refused the connection" in err
    assert "bfl-looks-real" not in err


async def test_an_untrusted_certificate_fails_a_submit_at_once(
    self_signed: tuple[Path, Path],
    sim_config: Config,
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sending again cannot mend a certificate nobody trusts: the job fails on the first try,
    saying why (a refused port, which a restart mends, is tried again)."""
    for variable in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(variable, raising=False)
    async with tls_server(*self_signed) as port:
        entry = replace(sim_config.providers["bfl"], base_url=f"https://127.0.0.1:{port}")
        config = replace(sim_config, providers={**sim_config.providers, "bfl": entry})
        async with Engine(config, store, library=tmp_path / "lib", backoff_s=0.01) as engine:
            job = engine.create_job(GenerationRequest("a fox", "bfl", "flux-pro-1.1"))
            ended = await engine.run(job)
    assert ended.state is JobState.FAILED and ended.error is not None
    assert "its certificate is not trusted" in ended.error.message
    assert not any("sending again" in (change.detail or "") for change in ended.history)


async def test_a_refused_submit_is_sent_again(
    sim_config: Config, store: Store, tmp_path: Path
) -> None:
    entry = replace(sim_config.providers["bfl"], base_url=f"http://127.0.0.1:{free_port()}")
    config = replace(sim_config, providers={**sim_config.providers, "bfl": entry})
    async with Engine(config, store, library=tmp_path / "lib", backoff_s=0.01) as engine:
        ended = await engine.run(engine.create_job(GenerationRequest("a fox", "bfl", "flux-dev")))
    assert ended.state is JobState.FAILED and ended.error is not None
    assert "refused the connection" in ended.error.message
    assert any("sending again" in (change.detail or "") for change in ended.history)
