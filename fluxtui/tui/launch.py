"""`fluxtui` with no command: read the config, choose the image protocol, start the app.

With no API key configured (or with `--demo`) the app opens on the built-in simulator, which starts
in a background thread once the app has painted.
"""

from __future__ import annotations

import os
import sys

from fluxtui.core.exit_codes import EXIT_BAD_INPUT, EXIT_OTHER


def launch(image_protocol: str | None, demo: bool) -> int:
    """Run the app until it quits; the process exit code."""
    from fluxtui.core import config as config_module
    from fluxtui.core import paths
    from fluxtui.core.errors import ConfigError, StoreError
    from fluxtui.core.store import Store
    from fluxtui.tui import image_support

    try:
        config = config_module.load()
        protocol = image_support.choose_protocol(
            image_protocol, os.environ.get(image_support.ENV_VAR), config.tui.get("image_protocol")
        )
    except (ConfigError, ValueError) as exc:
        print(f"fluxtui: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:  # the app opens the store itself: a store that cannot be opened is said here, plainly
        Store(paths.store_file()).close()
    except (StoreError, OSError) as exc:
        print(f"fluxtui: {exc}", file=sys.stderr)
        return EXIT_OTHER
    problem = _attach_terminal()
    if problem:
        print(f"fluxtui: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT

    from fluxtui.term.report import Choice

    # Until the probe decides: `auto` draws half-cell blocks, a forced protocol is taken as it is.
    chosen = "halfcell" if protocol == "auto" else protocol
    choice = Choice(chosen, "not probed", "truecolor", "not probed", requested=protocol)
    images = image_support.backend_for(choice, image_support.NO_ANSWERS)

    from fluxtui.tui.factory import create_app

    app = create_app(config, paths.store_file(), images, demo=demo or not config.any_key)
    return app.run() or 0


def _attach_terminal() -> str | None:
    """Make sure the app has a terminal to read keys from and draw on; None when it has.

    With stdin piped (`echo … | fluxtui`), keys are read from the controlling terminal instead.
    """
    no_stderr = not sys.__stderr__ or not sys.__stderr__.isatty()
    if no_stderr and (not sys.__stdout__ or not sys.__stdout__.isatty()):
        return "the app needs a terminal; in scripts use `fluxtui generate PROMPT`"
    if sys.__stdin__ is None:
        return "stdin is closed; the app needs a terminal to read keys from"
    if sys.__stdin__.isatty():
        return None
    try:
        terminal = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        return (
            "the app needs a terminal to read keys from; in scripts use `fluxtui generate PROMPT`"
        )
    os.dup2(terminal, 0)
    os.close(terminal)
    return None
