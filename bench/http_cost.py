"""Client CPU (and wall time) per HTTP request, for each way fluxtui can send one.

A Hypercorn server (from the `bench` extra: `pip install -e '.[bench]'`) runs in a process of
its own on loopback, on a plain-HTTP port and a TLS one (HTTP/2 or HTTP/1.1 by ALPN), with a
self-signed certificate made at run time by the `openssl` CLI and trusted through
`SSL_CERT_FILE` (as a user's own CA would be). Its one route answers a small JSON body, like a
provider's status poll. In this process, each client sends `--requests` GETs, `--concurrency`
at a time, in a fresh event loop, after a warm-up that opens its connections:

- bare aiohttp (`aiohttp.ClientSession`): the baseline;
- httpx over its own pool (httpcore), HTTP/1.1;
- httpx over `AiohttpTransport` (fluxtui's HTTP/1.1, `new_client()`);
- over TLS, the same three, and httpx's HTTP/2 (httpcore + h2, `new_client(http2=True)`: every
  request on one connection).

Also the client CPU of opening a TLS connection (TCP connect + handshake, then closing it)
against opening a plain TCP connection. Each figure is this process's CPU time (user + system)
per request, the median of `--runs` runs that take turns, with the ratio to bare aiohttp over
the same scheme. Last, how many of `--requests` POSTs fail (each one a submit that "may have
been sent") over fluxtui's HTTP/1.1 and its HTTP/2 against a server that closes each connection
after `--closing` requests, as servers do (nginx's `keepalive_requests`, Hypercorn's
`keep_alive_max_requests`; 1000 by default in both).

    python bench/http_cost.py [--requests 1000] [--runs 5] [--concurrency 16] [--connects 200]
                              [--closing 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

BODY = b'{"id": "4f1c", "status": "Pending", "progress": null, "result": null}'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (and its key), by the `openssl` CLI."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt"]
    command += ["ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
    command += ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)]
    subprocess.run(command, check=True, capture_output=True)
    return cert, key


def serve(plain: int, tls: int, cert: str, key: str, max_requests: int) -> None:
    """The server process: Hypercorn on `plain` (HTTP/1.1) and `tls` (h2 or HTTP/1.1), closing
    each connection after `max_requests` (0: never)."""
    from hypercorn.asyncio import serve as hypercorn_serve
    from hypercorn.config import Config

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        assert callable(send) and callable(receive)
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                await send({"type": message["type"] + ".complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        while (await receive()).get("more_body"):  # the request's body, read to its end
            pass
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(BODY))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": BODY})

    config = Config()
    config.bind = [f"127.0.0.1:{tls}"]
    config.insecure_bind = [f"127.0.0.1:{plain}"]
    config.certfile, config.keyfile = cert, key
    config.keep_alive_timeout = 60
    # Hypercorn (like nginx's `keepalive_requests`) closes a connection after 1000 requests by
    # default; over HTTP/2 httpcore fails requests then (see `failures`)
    config.keep_alive_max_requests = max_requests or 10**9
    config.loglevel = "WARNING"
    asyncio.run(hypercorn_serve(app, config))  # type: ignore[arg-type]


def start_server(folder: Path, max_requests: int = 0) -> tuple[subprocess.Popen[bytes], str, str]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    if not cert.exists():
        make_certificate(folder)
    plain, tls = free_port(), free_port()
    command = [sys.executable, __file__, "--serve", str(plain), str(tls), str(cert), str(key)]
    command.append(str(max_requests))
    server = subprocess.Popen(command, stderr=subprocess.DEVNULL)  # Hypercorn's own noise
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", tls), timeout=1).close()
            socket.create_connection(("127.0.0.1", plain), timeout=1).close()
            return server, f"http://127.0.0.1:{plain}/v1/get_result", f"https://127.0.0.1:{tls}"
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("the server did not start")


Sender = Callable[[str, int, int], Awaitable[None]]


async def in_turns(get: Callable[[], Awaitable[None]], requests: int, concurrency: int) -> None:
    remaining = requests

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await get()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def bare_aiohttp(url: str, requests: int, concurrency: int) -> None:
    import aiohttp

    context = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    connector = aiohttp.TCPConnector(limit=concurrency, ssl=context)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def get() -> None:
            async with session.get(url) as answer:
                await answer.read()
                assert answer.status == 200

        await in_turns(get, concurrency, concurrency)  # warm-up: the connections open
        started.set()
        await in_turns(get, requests, concurrency)


def httpx_client(kind: str) -> Sender:
    async def send(url: str, requests: int, concurrency: int) -> None:
        import httpx

        from fluxtui.core.http_clients import new_client

        timeout = httpx.Timeout(30.0)
        if kind == "httpcore":
            limits = httpx.Limits(max_connections=concurrency)
            client = httpx.AsyncClient(timeout=timeout, limits=limits)
        else:
            client = new_client(timeout=timeout, max_connections=concurrency, http2=kind == "h2")
        async with client:

            async def get() -> None:
                answer = await client.get(url)
                assert answer.status_code == 200 and answer.content
                assert kind != "h2" or answer.http_version == "HTTP/2"

            await in_turns(get, concurrency, concurrency)
            started.set()
            await in_turns(get, requests, concurrency)

    return send


async def connects(url: str, count: int, tls: bool) -> None:
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    context = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"]) if tls else None
    started.set()
    for _ in range(count):
        _, writer = await asyncio.open_connection(host, int(port), ssl=context)
        writer.close()
        await writer.wait_closed()


async def failures(url: str, kind: str, requests: int, concurrency: int) -> dict[str, int]:
    """The POSTs that failed, by httpx exception, of `requests` sent `concurrency` at a time."""
    import httpx

    from fluxtui.core.http_clients import new_client

    failed: dict[str, int] = {}
    timeout = httpx.Timeout(30.0)
    async with new_client(
        timeout=timeout, max_connections=concurrency, http2=kind == "h2"
    ) as client:

        async def post() -> None:
            try:
                (await client.post(url, content=b"{}")).raise_for_status()
            except httpx.TransportError as exc:
                failed[type(exc).__name__] = failed.get(type(exc).__name__, 0) + 1

        await in_turns(post, requests, concurrency)
    return failed


class Started:
    """When the measured part of a run begins (after its warm-up)."""

    def __init__(self) -> None:
        self.cpu = self.wall = 0.0

    def set(self) -> None:
        self.cpu, self.wall = time.process_time(), time.perf_counter()


started = Started()


def measure(run: Callable[[], Awaitable[None]], count: int) -> tuple[float, float]:
    """(ms of CPU, ms of wall) per request of `run()`'s measured part, in a fresh event loop."""
    asyncio.run(run())
    cpu, wall = time.process_time() - started.cpu, time.perf_counter() - started.wall
    return cpu * 1000 / count, wall * 1000 / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--connects", type=int, default=200)
    parser.add_argument("--closing", type=int, default=100, metavar="N")
    parser.add_argument("--serve", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        plain_port, tls_port, cert, key, most = args.serve
        serve(int(plain_port), int(tls_port), cert, key, int(most))
        return 0
    folder = Path(tempfile.mkdtemp(prefix="fluxtui-http-cost-"))
    server, plain, tls_base = start_server(folder)
    os.environ["SSL_CERT_FILE"] = str(folder / "cert.pem")
    tls = f"{tls_base}/v1/get_result"
    rows: list[tuple[str, str, Sender]] = [
        ("http", "bare aiohttp", bare_aiohttp),
        ("http", "httpx, its own pool (HTTP/1.1)", httpx_client("httpcore")),
        ("http", "httpx over AiohttpTransport", httpx_client("aiohttp")),
        ("tls", "bare aiohttp", bare_aiohttp),
        ("tls", "httpx, its own pool (HTTP/1.1)", httpx_client("httpcore")),
        ("tls", "httpx over AiohttpTransport", httpx_client("aiohttp")),
        ("tls", "httpx HTTP/2 (httpcore + h2)", httpx_client("h2")),
    ]
    figures: dict[tuple[str, str], list[tuple[float, float]]] = {}
    opens: dict[str, list[float]] = {"tcp": [], "tls": []}
    n, c = args.requests, args.concurrency
    try:
        for _ in range(args.runs):  # the rows take turns, so a busy moment falls on each
            for scheme, name, send in rows:
                url = plain if scheme == "http" else tls

                def run(send: Sender = send, url: str = url) -> Awaitable[None]:
                    return send(url, n, c)

                figures.setdefault((scheme, name), []).append(measure(run, n))
            for kind in opens:
                url = plain if kind == "tcp" else tls

                def dial(url: str = url, tls: bool = kind == "tls") -> Awaitable[None]:
                    return connects(url, args.connects, tls)

                opens[kind].append(measure(dial, args.connects)[0])
    finally:
        server.terminate()
        server.wait()
    server, _, closing = start_server(folder, args.closing)
    try:
        failed = {
            kind: asyncio.run(failures(f"{closing}/v1/flux-dev", kind, n, c))
            for kind in ("aiohttp", "h2")
        }
    finally:
        server.terminate()
        server.wait()
    print(
        f"{n} GETs, {c} at a time, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; "
        f"server: Hypercorn in its own process; medians of {args.runs} runs"
    )
    print(f"{'':<6}{'client':<34}{'CPU ms/req':>11}{'× bare':>8}{'wall ms/req':>13}")
    for scheme, name, _ in rows:
        cpu = statistics.median(f[0] for f in figures[(scheme, name)])
        wall = statistics.median(f[1] for f in figures[(scheme, name)])
        base = statistics.median(f[0] for f in figures[(scheme, "bare aiohttp")])
        print(f"{scheme:<6}{name:<34}{cpu:>11.3f}{cpu / base:>8.2f}{wall:>13.3f}")
    tcp, handshake = statistics.median(opens["tcp"]), statistics.median(opens["tls"])
    print(
        f"opening a connection, client CPU: TCP {tcp:.3f} ms; TLS (TCP + handshake) "
        f"{handshake:.3f} ms (×{handshake / tcp:.1f})"
    )
    print(f"{n} POSTs over TLS, {c} at a time, to a server that closes each connection after")
    for kind, label in (("aiohttp", "HTTP/1.1 over AiohttpTransport"), ("h2", "HTTP/2")):
        shown = ", ".join(f"{count} {name}" for name, count in failed[kind].items()) or "none"
        print(f"  {args.closing} requests: {label} failed: {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
