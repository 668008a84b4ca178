"""`fluxtui serve`: the app in a browser, through textual-serve.

Each browser session runs the app in its own process (`fluxtui.tui.served`, started by textual-serve
with its web driver), drawing images in truecolor half-cell blocks. This process itself only serves
the page and relays the websocket; it never imports Textual. The page and the websocket need the
token in the printed link, so that neither another user of this machine nor a web page open in the
browser can drive the app (which spends money and reads the library).
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import os
import secrets
import shlex
import socket
import sys

from fluxtui.core.exit_codes import EXIT_BAD_INPUT, EXIT_OTHER
from fluxtui.core.inputs import shown

INSTALL_HINT = "pip install 'fluxtui[serve]' (in a checkout: pip install '.[serve]')"
#: what each served app runs with: no terminal to ask, a browser that draws 24-bit colour
APP_ENVIRONMENT = {
    "FLUXTUI_IMAGE_PROTOCOL": "halfcell",
    "FLUXTUI_COLOR": "truecolor",
    "TEXTUAL_COLOR_SYSTEM": "truecolor",
}


def run_serve(args: argparse.Namespace) -> int:
    host: str = args.host
    problem = host_problem(host, public=args.public) or port_problem(host, args.port)
    if problem:
        print(f"fluxtui serve: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        from fluxtui.commands.serve_web import TokenServer
    except ImportError as exc:
        print(
            f"fluxtui serve: textual-serve is not installed ({exc.name} is missing); "
            f"install it with: {INSTALL_HINT}",
            file=sys.stderr,
        )
        return EXIT_OTHER
    from fluxtui.core import config as config_module

    demo = args.demo or not config_module.load().any_key
    token = secrets.token_urlsafe(24)
    url = f"http://{_url_host(host)}:{args.port}/?token={token}"
    os.environ.update(APP_ENVIRONMENT)
    server = TokenServer(app_command(demo), host, args.port, token)

    def banner() -> None:  # once the port listens
        print(f"fluxtui serve: open {url}", flush=True)
        mode = (
            "demo mode, on the built-in simulator: nothing is paid"
            if demo
            else "with your API keys: images made in the browser are paid for"
        )
        print(f"fluxtui serve: {mode}; Ctrl-C stops", file=sys.stderr, flush=True)
        if not is_loopback(host):
            print(
                f"fluxtui serve: warning: listening on {host}, beyond this machine, over plain "
                "HTTP: anyone who sees the link can spend on your keys and read your library",
                file=sys.stderr,
                flush=True,
            )

    server.run(banner)
    return 0


def app_command(demo: bool) -> str:
    """The shell command textual-serve runs for each browser session."""
    argv = [sys.executable, "-m", "fluxtui.tui.served", *(["--demo"] if demo else [])]
    return f"exec {shlex.join(argv)}"  # the shell becomes the app: a signal to it reaches the app


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address) names only this machine's loopback."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_problem(host: str, *, public: bool) -> str | None:
    """Why `--host` is refused, or None."""
    if is_loopback(host):
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return (
            f"--host {shown(host)} is not an IP address; give the address to listen on "
            "(127.0.0.1, ::1, or with --public 0.0.0.0)"
        )
    if not public:
        return (
            f"--host {host} would let other machines reach the app, which spends on your keys "
            "and reads your library; add --public if that is what you mean"
        )
    return None


def port_problem(host: str, port: int) -> str | None:
    """Why nothing can listen on `host`:`port`, in words, or None (checked before serving)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    address = "127.0.0.1" if host == "localhost" else host
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            probe.bind((address, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} is in use on {host}; choose another with --port N"
            if exc.errno == errno.EACCES:
                return f"port {port} needs privileges here; choose one above 1023 with --port N"
            if exc.errno == errno.EADDRNOTAVAIL:
                return f"{host} is not an address of this machine"
            return f"cannot listen on {host} port {port}: {exc.strerror or exc}"
    return None


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::"):  # every address: the link names this machine
        return socket.gethostname()
    return f"[{host}]" if ":" in host else host
