"""Building the app: what `launch` runs and what the tests drive (with a fixture config, store)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from fluxtui.control.backend import Backend
from fluxtui.core.config import Config
from fluxtui.term.choice import choose
from fluxtui.term.probe import unasked
from fluxtui.term.report import Choice, TerminalReport
from fluxtui.tui.app import FluxApp
from fluxtui.tui.image_support import ImageBackend, backend_named


def create_app(
    config: Config,
    store_path: Path,
    image_protocol: str | ImageBackend = "halfcell",
    *,
    demo: bool = False,
    library: Path | None = None,
    clock: Callable[[], float] = time.time,
    tick_s: float = 1.0,
    repaint_s: float = 0.1,
    notice_s: float = 0.6,
    terminal: tuple[TerminalReport, Choice] | None = None,
) -> FluxApp:
    """The app on `config` and the store at `store_path`.

    `demo` runs every provider on the built-in simulator (started after the first paint); a config
    already pointed at a simulator (`config.demo`) is demo mode too. `image_protocol` is a protocol
    name (built for a terminal that gave no answers) or a backend chosen beforehand. `clock` and the
    intervals let snapshot tests freeze the elapsed times (`notice_s`: see `FluxApp`). `terminal`:
    what the probe found and chose, for the palette's terminal report.
    """
    images = (
        image_protocol
        if isinstance(image_protocol, ImageBackend)
        else backend_named(image_protocol)
    )
    if terminal is None:  # started without asking the terminal: the report says so
        report = unasked(note="the app was started without asking the terminal")
        terminal = (report, choose(report, images.protocol))
    backend = Backend(config, store_path, library=library)
    return FluxApp(
        backend,
        images,
        demo=demo or config.demo,
        clock=clock,
        tick_s=tick_s,
        repaint_s=repaint_s,
        notice_s=notice_s,
        terminal=terminal,
    )
