"""The HTTP/1.1 transport under httpx (aiohttp's pool) over real loopback sockets: each way a
request can fail ends as the httpx exception of its *phase*, because the engine reads "may a
paid submit have reached the provider" from the class (`answers.transport_error`). Servers here
are raw asyncio sockets, so each misbehaves exactly as the test says."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import gzip
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
import uvicorn

from fluxtui.core.http_clients import KEEPALIVE_EXPIRY, new_client
from fluxtui.core.http_transport import SMALL_BODY, AiohttpTransport
from fluxtui.core.providers.answers import transport_error

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class RawServer:
    """A loopback TCP server running `handler` for each connection; it counts connections and
    the requests whose head it read whole."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.open: set[asyncio.StreamWriter] = set()
        self.connections = 0
        self.requests = 0
        self.url = ""

    async def read_request(self, reader: asyncio.StreamReader) -> bytes:
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        body = await reader.readexactly(length) if length else b""
        self.requests += 1
        return head + body

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open.add(writer)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            await self.handler(reader, writer)
        self.close(writer)

    def close(self, writer: asyncio.StreamWriter) -> None:
        self.open.discard(writer)
        writer.close()


@contextlib.asynccontextmanager
async def serving(handler: Callable[[RawServer], Handler]) -> AsyncIterator[RawServer]:
    raw = RawServer(lambda r, w: asyncio.sleep(0))
    raw.handler = handler(raw)
    server = await asyncio.start_server(raw._serve, "127.0.0.1", 0)
    raw.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        try:
            yield raw
        finally:
            for writer in list(raw.open):  # the connections a handler still holds
                raw.close(writer)
            await asyncio.sleep(0)


def answers(body: bytes = b'{"ok": true}', *, status: bytes = b"200 OK") -> bytes:
    return (
        b"HTTP/1.1 " + status + b"\r\ncontent-type: application/json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


def client(**limits: float) -> httpx.AsyncClient:
    timeout = httpx.Timeout(limits.pop("read", 5.0), connect=limits.pop("connect", 5.0))
    if "pool" in limits:
        timeout = httpx.Timeout(5.0, connect=5.0, pool=limits.pop("pool"))
    return new_client(timeout=timeout, max_connections=int(limits.pop("connections", 10)))


async def test_new_clients_send_http1_through_aiohttp_and_http2_through_httpx() -> None:
    async with new_client(timeout=httpx.Timeout(5.0)) as plain:
        assert isinstance(plain._transport, AiohttpTransport)
    async with new_client(timeout=httpx.Timeout(5.0), http2=True) as multiplexed:
        assert not isinstance(multiplexed._transport, AiohttpTransport)


async def test_an_answer_arrives_whole_and_the_connection_is_kept_for_the_next() -> None:
    def handler(raw: RawServer) -> Handler:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while True:
                request = await raw.read_request(reader)
                body = b'{"echo": "' + request.split(b"\r\n\r\n", 1)[1] + b'"}'
                writer.write(answers(body))
                await writer.drain()

        return serve

    async with serving(handler) as server, client() as http:
        first = await http.post(f"{server.url}/v1/flux-dev", content=b"one")
        second = await http.post(f"{server.url}/v1/flux-dev", content=b"two")
    assert (first.status_code, first.json(), second.json()) == (
        200,
        {"echo": "one"},
        {"echo": "two"},
    )
    assert first.http_version == "HTTP/1.1"
    assert (server.connections, server.requests) == (1, 2)


async def test_the_request_carries_httpx_headers_and_no_others_from_aiohttp() -> None:
    seen: list[bytes] = []

    def handler(raw: RawServer) -> Handler:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.append(await raw.read_request(reader))
            writer.write(answers())
            await writer.drain()

        return serve

    async with serving(handler) as server, client() as http:
        await http.post(f"{server.url}/v1/x?a=%2F", json={"p": 1}, headers={"x-key": "k"})
    head = seen[0].split(b"\r\n\r\n", 1)[0].decode().lower().split("\r\n")
    assert head[0] == "post /v1/x?a=%2f http/1.1"  # the query reaches the server as written
    names = [line.split(":", 1)[0] for line in head[1:]]
    assert "x-key: k" in head and "content-type: application/json" in head
    assert any(line.startswith("user-agent: fluxtui/") for line in head)
    assert len(names) == len(set(names))  # nothing sent twice (aiohttp adds none of its own)


async def test_a_refused_connection_was_not_sent() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with client() as http:
        with pytest.raises(httpx.ConnectError) as raised:
            await http.post(f"http://127.0.0.1:{port}/v1/flux-dev", content=b"{}")
    assert not transport_error("bfl", raised.value).request_sent
    assert raised.value.request.url.port == port


async def test_a_connection_closed_after_the_request_may_have_been_sent() -> None:
    def handler(raw: RawServer) -> Handler:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await raw.read_request(reader)  # the submit arrived: then nothing comes back

        return serve

    async with serving(handler) as server, client() as http:
        with pytest.raises(httpx.RemoteProtocolError) as raised:
            await http.post(f"{server.url}/v1/flux-dev", content=b"{}")
    assert server.requests == 1
    error = transport_error("bfl", raised.value)
    assert error.request_sent
    assert error.message.startswith("bfl: the connection was dropped (127.0.0.1:")


async def test_no_answer_in_time_is_a_read_timeout_that_may_have_been_sent() -> None:
    def handler(raw: RawServer) -> Handler:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await raw.read_request(reader)
            await reader.read()  # no answer: until the client gives up and hangs up

        return serve

    async with serving(handler) as server, client(read=0.3) as http:
        with pytest.raises(httpx.ReadTimeout) as raised:
            await http.post(f"{server.url}/v1/flux-dev", content=b"{}")
    assert server.requests == 1 and transport_error("bfl", raised.value).request_sent


async def test_a_body_cut_short_is_a_protocol_error() -> None:
    def handler(raw: RawServer) -> Handler:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await raw.read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n" + b"x" * 10)
            await writer.drain()

        return serve

    async with serving(handler) as server, client() as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get(f"{server.url}/image.png")


async def test_an_answer_that_is_not_http_is_a_protocol_error() -> None:
    def handler(raw: RawServer) -> Handler:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await raw.read_request(reader)
            writer.write(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")
            await writer.drain()

        return serve

    async with serving(handler) as server, client() as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get(f"{server.url}/v1/get_result")


async def test_waiting_too_long_for_a_free_connection_was_not_sent() -> None:
    release = asyncio.Event()

    def handler(raw: RawServer) -> Handler:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await raw.read_request(reader)
            await release.wait()  # holds the only connection
            writer.write(answers())
            await writer.drain()

        return serve

    async with serving(handler) as server, client(connections=1, pool=0.3) as http:
        held = asyncio.ensure_future(http.get(f"{server.url}/slow"))
        while server.requests == 0:
            await asyncio.sleep(0.01)
        with pytest.raises(httpx.ConnectTimeout) as raised:
            await http.post(f"{server.url}/v1/flux-dev", content=b"{}")
        release.set()
        assert (await held).status_code == 200
    assert server.requests == 1  # the second request never went out
    assert not transport_error("bfl", raised.value).request_sent


async def test_a_large_upload_goes_out_whole() -> None:
    received: list[int] = []

    def handler(raw: RawServer) -> Handler:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            request = await raw.read_request(reader)
            received.append(len(request.split(b"\r\n\r\n", 1)[1]))
            writer.write(answers())
            await writer.drain()

        return serve

    payload = bytes(range(256)) * (3 * 4096 + 7)  # 3 MiB and a bit: over `LARGE_BODY`
    async with serving(handler) as server, client() as http:
        answer = await http.put(f"{server.url}/upload", content=payload)
    assert answer.status_code == 200 and received == [len(payload)]


@pytest.mark.parametrize("http2", [False, True], ids=["http1-aiohttp", "http2-httpx"])
async def test_an_idle_connection_is_dropped_before_a_server_closes_it(http2: bool) -> None:
    """A server that closes idle connections (uvicorn and Node after 5 s): its FIN may cross a
    request the client writes on the connection just then, and a submit lost that way may have
    been sent. This server stands for that race at its tightest: it drops, unanswered, a request
    on a connection idle a little longer than the client keeps one."""
    uvicorn_idle = uvicorn.Config(app="x:y").timeout_keep_alive  # the simulator's server
    assert uvicorn_idle > KEEPALIVE_EXPIRY  # the pool lets go first
    idle_limit = KEEPALIVE_EXPIRY + 0.2

    def handler(raw: RawServer) -> Handler:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            loop = asyncio.get_running_loop()
            answered = loop.time()
            while True:
                await raw.read_request(reader)
                if loop.time() - answered > idle_limit:
                    return  # closed: the request crossed the server's FIN
                writer.write(answers())
                await writer.drain()
                answered = loop.time()

        return serve

    timeout = httpx.Timeout(5.0)
    async with serving(handler) as server, new_client(timeout=timeout, http2=http2) as http:
        first = await http.post(f"{server.url}/v1/flux-dev", content=b"{}")
        await asyncio.sleep(idle_limit + 0.1)
        second = await http.post(f"{server.url}/v1/flux-dev", content=b"{}")
    assert (first.status_code, second.status_code) == (200, 200)
    assert (server.connections, server.requests) == (2, 2)  # the second on a new connection


class ForwardProxy:
    """An HTTP proxy that answers itself: it records each request line (absolute-form, as a
    client sends to a proxy) and says which it was."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def handler(self, raw: RawServer) -> Handler:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while True:
                request = await raw.read_request(reader)
                self.lines.append(request.split(b"\r\n", 1)[0].decode())
                writer.write(answers(b'{"via": "proxy"}'))
                await writer.drain()

        return serve


async def test_a_proxy_from_the_environment_carries_the_requests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy = ForwardProxy()
    for variable in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    async with serving(proxy.handler) as server:
        monkeypatch.setenv("HTTP_PROXY", server.url)
        async with client() as http:
            # a host that resolves nowhere: only the proxy can have answered
            answer = await http.post("http://provider.invalid/v1/flux-dev", content=b"{}")
    assert answer.json() == {"via": "proxy"}
    assert proxy.lines == ["POST http://provider.invalid/v1/flux-dev HTTP/1.1"]


async def test_hosts_in_no_proxy_are_reached_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = ForwardProxy()

    def direct(raw: RawServer) -> Handler:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await raw.read_request(reader)
            writer.write(answers(b'{"via": "direct"}'))
            await writer.drain()

        return serve

    async with serving(proxy.handler) as relay, serving(direct) as server:
        monkeypatch.setenv("HTTP_PROXY", relay.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        async with client() as http:
            answer = await http.get(f"{server.url}/v1/get_result")
            assert isinstance(http._transport_for_url(answer.request.url), AiohttpTransport)
    assert answer.json() == {"via": "direct"} and proxy.lines == []


@pytest.mark.parametrize("keeps", [False, True])
async def test_a_providers_client_keeps_no_cookie_and_the_downloads_client_does(
    keeps: bool,
) -> None:
    """No provider API uses cookies: a cookie an answer sets is not sent back by a provider's
    client (nor kept); the downloads' client (`cookies=True`) sends it, as httpx does."""
    heads: list[bytes] = []

    def handler(raw: RawServer) -> Handler:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while True:
                heads.append((await raw.read_request(reader)).split(b"\r\n\r\n")[0].lower())
                writer.write(
                    b"HTTP/1.1 200 OK\r\nset-cookie: lb=node-7; Path=/\r\n"
                    b"content-length: 2\r\n\r\n{}"
                )
                await writer.drain()

        return serve

    timeout = httpx.Timeout(5.0)
    async with serving(handler) as server, new_client(timeout=timeout, cookies=keeps) as http:
        await http.get(f"{server.url}/v1/get_result?id=1")
        await http.get(f"{server.url}/v1/get_result?id=1")
        kept = dict(http.cookies)
    assert b"cookie:" not in heads[0]
    assert (b"cookie: lb=node-7" in heads[1]) is keeps
    assert kept == ({"lb": "node-7"} if keeps else {})


async def test_a_small_answer_read_whole_keeps_httpx_view_of_its_body() -> None:
    """An answer of known small length is read before httpx sees it (`SMALL_BODY`): httpx still
    decodes it, counts its bytes on the wire, and streams it to a caller that streams."""
    original = b'{"status": "Pending"}' * 20
    compressed = gzip.compress(original)

    def handler(raw: RawServer) -> Handler:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while True:
                await raw.read_request(reader)
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\n"
                    b"content-length: " + str(len(compressed)).encode() + b"\r\n\r\n" + compressed
                )
                await writer.drain()

        return serve

    async with serving(handler) as server, client() as http:
        read = await http.get(f"{server.url}/v1/get_result?id=1")
        async with http.stream("GET", f"{server.url}/v1/get_result?id=1") as streamed:
            chunks = [chunk async for chunk in streamed.aiter_bytes()]
    assert len(compressed) <= SMALL_BODY
    assert read.content == original and b"".join(chunks) == original
    assert read.num_bytes_downloaded == streamed.num_bytes_downloaded == len(compressed)
    took = read.elapsed  # set as httpx sets it once a body is read (it raises before)
    assert read.is_closed and isinstance(took, datetime.timedelta)
    assert server.connections == 1  # the connection went back to the pool after each
