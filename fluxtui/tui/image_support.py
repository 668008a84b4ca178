"""How the preview draws images, chosen once before the app starts.

This is the one module that imports textual-image. Importing it probes the terminal (it writes
escape sequences to stdout and reads the answers from stdin), which can stall or crash when stdin is
piped, the pty has zero columns, or the terminal does not answer. So it is imported only here, only
for a protocol that needs it (`halfcell` and `none` never do: half-cell blocks are drawn by
`widgets/halfcell.py`), only when stdin and stdout are both terminals with a size, before
`App.run()`, and any failure falls back to half-cell blocks with a note saying why.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.widget import Widget

    from fluxtui.term.report import Choice, TerminalReport

PROTOCOLS = ("auto", "tgp", "sixel", "halfcell", "unicode", "none")
ENV_VAR = "FLUXTUI_IMAGE_PROTOCOL"
PROTOCOL_NAMES = {
    "tgp": "Kitty graphics",
    "sixel": "Sixel",
    "halfcell": "half-cell blocks",
    "unicode": "Unicode blocks",
    "none": "text only",
}

ImageFactory = Callable[[Path], "Widget"]


@dataclass(frozen=True)
class ImageBackend:
    """The protocol in use and how to make a widget showing one image file."""

    requested: str
    protocol: str  # tgp, sixel, halfcell, unicode or none
    factory: ImageFactory | None  # None: the preview shows text only
    note: str = ""  # why `protocol` is not what was asked for

    @property
    def description(self) -> str:
        name = PROTOCOL_NAMES[self.protocol]
        return f"{name} ({self.note})" if self.note else name


def choose_protocol(flag: str | None, env: str | None, configured: object) -> str:
    """The protocol asked for: `--image-protocol`, the environment, then `[tui] image_protocol`."""
    sources = (("--image-protocol", flag), (ENV_VAR, env), ("[tui] image_protocol", configured))
    for source, value in sources:
        if value is None or value == "":
            continue
        protocol = str(value).strip().lower()
        if protocol not in PROTOCOLS:
            raise ValueError(f"{source} {value!r} is not one of {', '.join(PROTOCOLS)}")
        return protocol
    return "auto"


def load_backend(requested: str, *, terminal: bool | None = None) -> ImageBackend:
    """The backend for `requested`; probes the terminal (through textual-image) only when needed.

    `terminal` overrides the check that stdin and stdout are usable terminals (tests pass False).
    """
    if requested == "none":
        return ImageBackend(requested, "none", None)
    if requested == "halfcell":
        return _halfcell(requested)
    if terminal is None:
        terminal = _usable_terminal()
    if not terminal:
        return _halfcell(requested, "no terminal to ask about graphics")
    try:
        return _textual_image_backend(requested)
    except Exception as exc:  # the probe failed in a way textual-image does not catch
        return _halfcell(requested, f"graphics probe failed: {type(exc).__name__}")


def _usable_terminal() -> bool:
    streams = (sys.__stdin__, sys.__stdout__)
    if not all(stream is not None and stream.isatty() for stream in streams):
        return False
    try:
        size = os.get_terminal_size(sys.__stdout__.fileno())  # type: ignore[union-attr]
    except OSError:
        return False
    return size.columns > 0 and size.lines > 0


def _halfcell(requested: str, note: str = "") -> ImageBackend:
    from fluxtui.tui.widgets.halfcell import HalfcellImage

    def factory(path: Path) -> Widget:
        return HalfcellImage(path, classes="image")

    return ImageBackend(requested, "halfcell", factory, note)


def _textual_image_backend(requested: str) -> ImageBackend:
    # It logs failed probes with tracebacks; Python would print them on the terminal.
    logging.getLogger("textual_image").addHandler(logging.NullHandler())
    import textual_image.renderable as renderables
    import textual_image.widget as widgets

    detected = {
        renderables.TGPImage: "tgp",
        renderables.SixelImage: "sixel",
        renderables.HalfcellImage: "halfcell",
        renderables.UnicodeImage: "unicode",
    }.get(renderables.Image, "halfcell")
    protocol = detected if requested == "auto" else requested
    if protocol == "halfcell":
        return _halfcell(requested)
    widget_class = {
        "tgp": widgets.TGPImage,
        "sixel": widgets.SixelImage,
        "unicode": widgets.UnicodeImage,
    }[protocol]

    def factory(path: Path) -> Widget:
        widget: Widget = widget_class(str(path), classes="image")
        return widget

    return ImageBackend(requested, protocol, factory)


def backend_for(choice: Choice, report: TerminalReport) -> ImageBackend:
    """The backend for what `fluxtui.term.choice.choose` picked.

    A thin adapter onto `load_backend` (the images branch replaces it with its own encoder,
    placeholders and tmux wrapping): textual-image cannot wrap its graphics for tmux, so Kitty
    graphics through passthrough is drawn as half-cells here, with a note.
    """
    if choice.tmux_passthrough:
        note = "Kitty graphics through tmux's passthrough is not drawn yet"
        return _halfcell(choice.requested, note)
    backend = load_backend(choice.protocol)
    if choice.fallback and not backend.note:
        return ImageBackend(backend.requested, backend.protocol, backend.factory, choice.fallback)
    return ImageBackend(choice.requested, backend.protocol, backend.factory, backend.note)
