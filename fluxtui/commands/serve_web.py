"""The web server behind `fluxtui serve`: textual-serve's, behind a token.

Differences from textual-serve's own server: the page and the websocket answer only with the token
the command printed; the page names its URLs after the address the browser used (so a server bound
to 0.0.0.0 works from another machine); the page loads nothing from the internet (textual-serve's
page asks Google for its font: the link is replaced by the font textual-serve ships); no access log
(it would print the token). The page and the app processes, one per websocket, are textual-serve's
own.
"""

from __future__ import annotations

import asyncio
import html
import re
import secrets
import signal
from collections.abc import Callable
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server

#: textual-serve's page fetches its font from Google: it gets the copy textual-serve ships instead
GOOGLE_FONT = re.compile(
    r'<link\s+rel="stylesheet"\s+href="https://fonts\.googleapis\.com/[^"]*"\s*/>'
)
LOCAL_FONT = """<meta charset="utf-8" />
    <title>{title}</title>
    <style>
      @font-face {{
        font-family: "Roboto Mono";
        src: url("{static}fonts/RobotoMono-VariableFont_wght.ttf") format("truetype");
        font-weight: 100 700;
      }}
    </style>"""
#: how long an app may take to quit when its session ends or the server stops, before it is killed
QUIT_S = 10.0
FORBIDDEN = (
    "This page needs the link `fluxtui serve` printed (with its token). "
    "Copy it from the terminal where the server runs.\n"
)


class TokenServer(Server):
    """Serves the app at `/?token=…` and its websocket at `/ws/<token>`."""

    def __init__(self, command: str, host: str, port: int, token: str) -> None:
        super().__init__(command, host=host, port=port, title="fluxtui")
        self.token = token
        self.sessions: set[AppService] = set()

    def run(self, banner: Callable[[], None]) -> None:
        """Serve until Ctrl-C (or SIGTERM); `banner` runs once the port listens."""
        loop = asyncio.new_event_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.request_exit)
        web.run_app(
            self._make_app(),
            host=self.host,
            port=self.port,
            handle_signals=False,
            loop=loop,
            print=lambda *_: banner(),
            access_log=None,
            shutdown_timeout=QUIT_S,
        )

    async def _make_app(self) -> web.Application:
        app = web.Application()
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes(
            [
                web.get("/", self.handle_page),
                web.get("/ws/{token}", self.handle_socket),
                web.static("/static", self.statics_path),
            ]
        )
        app.on_shutdown.append(self._quit_apps)
        return app

    async def _quit_apps(self, app: web.Application) -> None:
        """On Ctrl-C: every open session's app quits (its running jobs can be resumed)."""
        await asyncio.gather(*(_quit(service) for service in list(self.sessions)))

    def _allowed(self, token: str | None) -> bool:
        return token is not None and secrets.compare_digest(token.encode(), self.token.encode())

    async def handle_page(self, request: web.Request) -> web.StreamResponse:
        """The page, when asked with the token; its URLs name the host the browser asked."""
        if not self._allowed(request.query.get("token")):
            raise web.HTTPForbidden(text=FORBIDDEN)
        secure = request.scheme == "https"
        origin = f"{request.scheme}://{request.host}"
        static = f"{origin}/static/"
        context = {  # the names textual-serve's page uses
            "font_size": _whole(request.query.get("fontsize", ""), 16, 64),
            "app_websocket_url": f"{'wss' if secure else 'ws'}://{request.host}/ws/{self.token}",
            "config": {"static": {"url": static}},
            "application": {"name": self.title},
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        local = LOCAL_FONT.format(title=html.escape(self.title), static=html.escape(static))
        response.text = GOOGLE_FONT.sub(lambda _: local, response.text or "", count=1)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"  # the token stays out of Referer
        return response

    async def handle_socket(self, request: web.Request) -> web.StreamResponse:
        """The app's websocket: the token, and a browser's page of this same origin only."""
        if not self._allowed(request.match_info.get("token")):
            raise web.HTTPForbidden(text=FORBIDDEN)
        origin = request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc != request.host:
            raise web.HTTPForbidden(text="fluxtui serve: a page of another site may not connect\n")
        socket = web.WebSocketResponse(heartbeat=15)
        await socket.prepare(request)

        async def close() -> None:  # the app has exited
            await socket.close()

        service = AppService(
            self.command,
            write_bytes=socket.send_bytes,
            write_str=socket.send_str,
            close=close,
            download_manager=self.download_manager,
        )
        self.sessions.add(service)
        try:
            await service.start(
                _whole(request.query.get("width", ""), 80, 1000),
                _whole(request.query.get("height", ""), 24, 1000),
            )
            await self._process_messages(socket, service)
        finally:
            self.sessions.discard(service)
            await _quit(service)
            await socket.close()
        return socket


async def _quit(service: AppService) -> None:
    """Ask a session's app to quit and wait until it has; kill it if it has not within QUIT_S."""
    process = service._process  # textual-serve keeps it to itself
    try:
        async with asyncio.timeout(QUIT_S):
            await asyncio.shield(service.stop())
            if process is not None:
                await process.wait()  # its output ends first; it exits once its jobs are put away
    except TimeoutError:
        if process is not None and process.returncode is None:
            process.kill()


def _whole(text: str, default: int, most: int) -> int:
    """A size from the query: a whole number from 1 to `most`, else `default`."""
    if not (text.isascii() and text.isdigit() and len(text) <= 4):
        return default
    return int(text) if 0 < int(text) <= most else default
