"""Serve the simulator over real HTTP on 127.0.0.1: in a background thread (:class:`SimServer`,
for tests and the demo mode) or in the foreground (:func:`run_cli`, for ``fluxtui sim``).

One app listens on two ports: the "api" port plays the services' API hosts; the "cluster" port
plays BFL's other cluster host and the image delivery host. By default every service is served
under its own path prefix (``/bfl``, ``/fal`` ...); with ``service=`` one service is served at the
root of its ports, so clients that join absolute paths to a host (BFL's ``blackforest`` SDK:
``urljoin(base, "/v1/...")``) work unchanged.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

from fluxtui.sim.app import create_app
from fluxtui.sim.config import SERVICES, PublicUrls, SimConfig
from fluxtui.sim.faults import CLOSE_EXTENSION

if TYPE_CHECKING:
    import uvicorn

HOST = "127.0.0.1"
_START_TIMEOUT_S = 10.0

#: Example environment for a shell that points the app's keys at the simulator.
KEY_VARIABLES = {
    "comet": "COMETAPI_KEY",
    "bfl": "BFL_API_KEY",
    "apiyi": "APIYI_API_KEY",
    "openai": "OPENAI_API_KEY",
    "fal": "FAL_KEY",
}


def _bind(port: int) -> socket.socket:
    # IPPROTO_TCP, so that asyncio turns Nagle off on accepted connections (40 ms stalls).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    # listening from here on: a client told the URL (the banner) before the server loop runs
    # waits in the backlog instead of being refused
    sock.listen(2048)
    return sock


def _closing_protocol() -> type[asyncio.Protocol]:
    """uvicorn's h11 protocol, with a ``close()`` of the connection in every request's scope:
    what :mod:`fluxtui.sim.faults` needs to drop a connection without an answer."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class ClosingH11Protocol(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            app = self.app

            async def with_close(scope: Any, receive: Any, send: Any) -> None:
                scope["extensions"] = {
                    **scope.get("extensions", {}),
                    CLOSE_EXTENSION: transport.close,
                }
                await app(scope, receive, send)

            self.app = with_close

    return ClosingH11Protocol


def _build(
    config: SimConfig,
    ports: tuple[int, int],
    *,
    in_thread: bool,
    service: str | None = None,
) -> tuple[uvicorn.Server, list[socket.socket], PublicUrls]:
    """Bind the api and cluster ports and make the uvicorn server that will serve them
    (``service``: that one service at the root, else all of them under their prefixes).

    In a thread, uvicorn leaves the process's logging configuration alone.
    """
    import uvicorn

    sockets: list[socket.socket] = []
    try:
        for port in ports:
            sockets.append(_bind(port))
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    api, cluster = (f"http://{HOST}:{sock.getsockname()[1]}" for sock in sockets)
    urls = PublicUrls(api=api, cluster=cluster, only=service)
    logging_options: dict[str, Any] = {"log_config": None} if in_thread else {}
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config, urls),
            log_level="warning",
            access_log=False,
            http=_closing_protocol(),
            lifespan="off",
            timeout_graceful_shutdown=1,
            **logging_options,
        )
    )
    return server, sockets, urls


def _quiet_uvicorn() -> None:
    """Keep uvicorn's records off a terminal the app may own (Python's last-resort handler
    would print them); an app that configures logging still receives them."""
    logger = logging.getLogger("uvicorn")
    if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
        logger.addHandler(logging.NullHandler())


class SimServer:
    """The simulator served by uvicorn in a daemon thread with its own event loop.

    ``port``/``cluster_port`` 0 pick free ports; ``service`` serves that one service at the
    root of its ports. Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        config: SimConfig | None = None,
        *,
        port: int = 0,
        cluster_port: int = 0,
        service: str | None = None,
    ) -> None:
        if service is not None and service not in SERVICES:
            raise ValueError(f"unknown service {service!r}: one of {', '.join(SERVICES)}")
        self.config = config or SimConfig()
        self.service = service
        self._ports = (port, cluster_port)
        self._sockets: list[socket.socket] = []
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._urls: PublicUrls | None = None

    @property
    def urls(self) -> PublicUrls:
        if self._urls is None:
            raise RuntimeError("the simulator is not started")
        return self._urls

    @property
    def api_url(self) -> str:
        """``http://127.0.0.1:PORT`` of the api port."""
        return self.urls.api

    @property
    def cluster_url(self) -> str:
        """``http://127.0.0.1:PORT`` of the cluster (and delivery) port."""
        return self.urls.cluster

    def base_url(self, service: str) -> str:
        """The base URL an adapter uses for ``service`` (comet|bfl|apiyi|openai|fal)."""
        return self.urls.base_url(service)

    def start(self) -> SimServer:
        """Bind both ports, serve in a background thread, return once both accept."""
        if self._thread is not None:
            raise RuntimeError("the simulator is already started")
        _quiet_uvicorn()
        self._server, self._sockets, self._urls = _build(
            self.config, self._ports, in_thread=True, service=self.service
        )
        self._thread = threading.Thread(
            target=asyncio.run,
            args=(self._server.serve(sockets=self._sockets),),
            name="fluxtui-sim",
            daemon=True,
        )
        self._thread.start()
        self._wait_until_serving()
        return self

    def _wait_until_serving(self) -> None:
        assert self._server is not None and self._thread is not None
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the simulator did not start")
            time.sleep(0.01)
        for sock in self._sockets:
            socket.create_connection(sock.getsockname(), timeout=_START_TIMEOUT_S).close()

    def stop(self) -> None:
        """Stop serving and wait for the thread (open streams are cut after ~1 s)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=_START_TIMEOUT_S)
        for sock in self._sockets:
            sock.close()
        self._server = self._thread = None
        self._sockets = []

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve_forever(
    port: int,
    cluster_port: int | None = None,
    config: SimConfig | None = None,
    service: str | None = None,
) -> None:
    """Serve in the foreground until Ctrl-C. ``cluster_port`` defaults to ``port + 1``
    (or a free port when ``port`` is 0)."""
    if cluster_port is None:
        cluster_port = port + 1 if port else 0
    server, sockets, urls = _build(
        config or SimConfig(), (port, cluster_port), in_thread=False, service=service
    )
    print(banner(urls), flush=True)
    try:
        asyncio.run(server.serve(sockets=sockets))
    finally:
        for sock in sockets:
            sock.close()


def banner(urls: PublicUrls) -> str:
    """What ``fluxtui sim`` prints: for each service, its base URL, the key to export, and the
    ``--base-url`` flag and ``config.toml`` lines that point fluxtui at it."""
    lines = [
        f"fluxtui provider simulator on {urls.api} (cluster and delivery: {urls.cluster})",
        "Any non-empty key is accepted ('sim-invalid-key' is refused, 'sim-no-credits' has no "
        "credits).",
        "Point fluxtui at it with --base-url, or with these config.toml lines:",
    ]
    for service in urls.services:
        base = urls.base_url(service)
        lines += [
            "",
            f"  {service}: {base}",
            f"    export {KEY_VARIABLES[service]}=sim-key",
            f"    fluxtui generate -p {service} --base-url {base} 'a red fox'",
            f"    [providers.{service}]",
            f'    base_url = "{base}"',
        ]
    lines += [
        "",
        "Fault directives go in the prompt, e.g. '[[sim: queue=5, poll=503, poll_times=2]]'.",
        "Ctrl-C stops.",
    ]
    return "\n".join(lines)


def run_cli(
    port: int,
    cluster_port: int | None = None,
    config: SimConfig | None = None,
    service: str | None = None,
) -> int:
    """``fluxtui sim``: print the base URLs and how to use them, serve until Ctrl-C.
    Returns the process exit code: 0, or 1 when a port cannot be listened on (said in one
    line on stderr)."""
    try:
        serve_forever(port, cluster_port, config, service)
    except KeyboardInterrupt:
        pass
    except (OSError, OverflowError) as exc:  # the port is taken, not allowed, out of range
        ports = f"{port} and {cluster_port}" if cluster_port is not None else str(port)
        print(f"fluxtui sim: cannot listen on {HOST} port {ports}: {exc}", file=sys.stderr)
        return 1
    return 0
