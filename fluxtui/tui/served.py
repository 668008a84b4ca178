"""The app as `fluxtui serve` runs it: one process per browser session, started by textual-serve.

textual-serve runs this with Textual's web driver (`TEXTUAL_DRIVER`), which reads keys from stdin
and writes the screen to stdout, both pipes to the server. There is no terminal to ask about
graphics, and none is asked: the browser's terminal draws half-cell blocks in 24-bit colour. The
process leaves the session (and so the terminal) of `fluxtui serve`, so that nothing it runs can
write to, or read from, the terminal the server was started in; and it quits when the server
goes away without telling it (killed), rather than run on unseen.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from fluxtui.core.exit_codes import EXIT_BAD_INPUT, EXIT_OTHER

if TYPE_CHECKING:
    from fluxtui.term.report import Choice, TerminalReport
    from fluxtui.tui.app import FluxApp

#: how often the app looks whether the server that started it is still there
PARENT_CHECK_S = 1.0


def browser_terminal() -> tuple[TerminalReport, Choice]:
    """What the palette's terminal report says in a browser: xterm.js was not asked, and draws
    half-cell blocks in 24-bit colour."""
    from fluxtui.term.probe import unasked
    from fluxtui.term.report import Choice

    report = unasked(note="a browser session of fluxtui serve: the page's terminal is not asked")
    choice = Choice(
        protocol="halfcell",
        reason="in a browser the preview is drawn with half-cell blocks",
        colors="truecolor",
        colors_reason="the browser shows 24-bit colour",
        requested="halfcell",
    )
    return report, choice


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fluxtui.tui.served")
    parser.add_argument("--demo", action="store_true", help="on the simulator even with keys")
    args = parser.parse_args(argv)
    with contextlib.suppress(OSError):  # already a session leader: no terminal to leave
        os.setsid()

    from fluxtui.core import config as config_module
    from fluxtui.core import paths
    from fluxtui.core.errors import ConfigError, StoreError
    from fluxtui.core.store import Store

    try:
        config = config_module.load()
    except ConfigError as exc:
        print(f"fluxtui: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        Store(paths.store_file()).close()
    except (StoreError, OSError) as exc:
        print(f"fluxtui: {exc}", file=sys.stderr)
        return EXIT_OTHER

    from fluxtui.tui.factory import create_app
    from fluxtui.tui.image_support import backend_for

    report, choice = browser_terminal()
    app = create_app(
        config,
        paths.store_file(),
        backend_for(choice, report),
        demo=args.demo or not config.any_key,
        terminal=(report, choice),
    )
    _quit_when_orphaned(app)
    return app.run() or 0


def _quit_when_orphaned(app: FluxApp) -> None:
    """Quit the app (as a quit key would) once the server that started it has gone."""
    server = os.getppid()

    def watch() -> None:
        while os.getppid() == server:
            time.sleep(PARENT_CHECK_S)
        with contextlib.suppress(RuntimeError):  # the app is no longer running
            app.call_from_thread(app.exit)

    threading.Thread(target=watch, name="fluxtui-served-parent", daemon=True).start()


if __name__ == "__main__":
    raise SystemExit(main())
