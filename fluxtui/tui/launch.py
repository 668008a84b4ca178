"""`fluxtui` with no command: read the config, ask the terminal, choose, start the app.

The terminal is asked what it draws before Textual is imported (`fluxtui.term.probe`), and its
answers are read after: the import hides the wait for them (a terminal that never answers costs
nothing more). The image protocol and the colour depth are chosen from the answers
(`fluxtui.term.choice`), and the app starts with Textual's colour system set to that depth. With
no API key configured (or with `--demo`) the app opens on the built-in simulator, which starts
in a child process once it has painted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping

from fluxtui.core.exit_codes import EXIT_BAD_INPUT, EXIT_OTHER
from fluxtui.term.report import Choice, TerminalReport

#: Textual's names for the colour depths (TEXTUAL_COLOR_SYSTEM)
COLOR_SYSTEMS = {"truecolor": "truecolor", "256": "256", "16": "standard"}


def launch(image_protocol: str | None, demo: bool) -> int:
    """Run the app until it quits; the process exit code."""
    from fluxtui.core import config as config_module
    from fluxtui.core import paths
    from fluxtui.core.errors import ConfigError, StoreError
    from fluxtui.core.store import Store
    from fluxtui.term import settings

    try:
        config = config_module.load()
        requested, _ = settings.requested_protocol(
            image_protocol,
            os.environ.get(settings.PROTOCOL_ENV),
            config.tui.get("image_protocol"),
        )
        color = settings.color_override(os.environ.get(settings.COLOR_ENV), config.tui.get("color"))
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

    answers = ask(requested, color)
    try:  # Textual is imported while the terminal answers: a silent one costs no extra time
        from textual import constants

        from fluxtui.tui import image_support
        from fluxtui.tui.factory import create_app
    finally:
        report, choice = answers()  # the terminal's mode is put back whatever happened
    os.environ["TEXTUAL_COLOR_SYSTEM"] = COLOR_SYSTEMS[choice.colors]  # for what the app starts
    setattr(constants, "COLOR_SYSTEM", COLOR_SYSTEMS[choice.colors])  # noqa: B010 (read by App())

    images = image_support.backend_for(choice, report)
    app = create_app(
        config,
        paths.store_file(),
        images,
        demo=demo or not config.any_key,
        terminal=(report, choice),
    )
    if report.owed:  # answers that come after the probe's deadline are not typed into the app
        from textual.drivers.linux_driver import LinuxDriver

        from fluxtui.tui.input_driver import late_answer_driver

        if app.driver_class is LinuxDriver:  # not one TEXTUAL_DRIVER names
            app.driver_class = late_answer_driver(report.owed)
    return app.run() or 0


def find_out(
    requested: str,
    color: tuple[str, str] | None,
    *,
    tty_path: str | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[TerminalReport, Choice]:
    """Ask the terminal (unless images are off and the colour depth is forced: then nothing needs
    asking, not even the cell size), and choose. `color`: the forced depth and who forced it."""
    return ask(requested, color, tty_path=tty_path, env=env)()


def ask(
    requested: str,
    color: tuple[str, str] | None,
    *,
    tty_path: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Callable[[], tuple[TerminalReport, Choice]]:
    """`find_out` in two steps: the questions go out now; the function returned reads the
    answers (waiting out what is left of the deadline) and chooses. Call it, whatever happens."""
    from fluxtui.term.choice import choose
    from fluxtui.term.probe import ask_terminal, unasked

    asking = None
    if requested != "none" or color is None:
        asking = ask_terminal(tty_path=tty_path, env=env)

    def answers() -> tuple[TerminalReport, Choice]:
        if asking is None:
            report = unasked(env, "not asked: images are off and the colour depth is set")
        else:
            report = asking.answers()
        if color is None:
            return report, choose(report, requested)
        return report, choose(report, requested, color[0], color_from=color[1])

    return answers


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
