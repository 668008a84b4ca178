"""How the preview draws images: the widget for the protocol chosen from the terminal report.

`backend_for(choice, report)` turns the probe's choice into a factory of image widgets: Kitty
graphics with Unicode placeholders (`widgets/kitty_image.py`), Sixel with our encoder
(`widgets/sixel_image.py`), half-cell blocks (`widgets/halfcell.py`), all sized from the cell's
pixel size the probe learnt; or textual-image's Unicode blocks. This is the one module that
imports textual-image, and only for `unicode`: importing it probes the terminal (escape
sequences to stdout, answers read from stdin), so any failure there falls back to half-cell
blocks with a note saying why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from fluxtui.term.report import Choice, TerminalReport

if TYPE_CHECKING:
    from textual.widget import Widget

PROTOCOL_NAMES = {
    "tgp": "Kitty graphics",
    "sixel": "Sixel",
    "halfcell": "half-cell blocks",
    "unicode": "Unicode blocks",
    "none": "text only",
}
NO_ANSWERS = TerminalReport(
    term="", term_program="", colorterm="", name=None, version=None, xtversion=None
)

ImageFactory = Callable[[Path], "Widget"]


@dataclass(frozen=True)
class ImageBackend:
    """The protocol in use and how to make a widget showing one image file."""

    requested: str
    protocol: str  # tgp, sixel, halfcell, unicode or none
    factory: ImageFactory | None  # None: the preview shows text only
    note: str = ""  # why `protocol` is not what was asked for
    fallback: str = ""  # a forced protocol that cannot work here, and why: the preview says it
    choice: Choice | None = None  # what it was built from (other protocols are built alike)
    report: TerminalReport | None = None

    @property
    def description(self) -> str:
        name = PROTOCOL_NAMES[self.protocol]
        return f"{name} ({self.note})" if self.note else name


def backend_for(choice: Choice, report: TerminalReport) -> ImageBackend:
    """The image widgets for `choice.protocol`, sized from `report` (never probes, but for
    `unicode`, which imports textual-image)."""
    protocol = choice.protocol
    fallback = choice.fallback
    if protocol == "tgp" and choice.colors == "16":
        protocol = "halfcell"
        fallback = fallback or (
            "Kitty graphics need 256 colours or more (the image id is a colour); "
            "showing half-cell blocks"
        )
    build = {
        "none": _none,
        "halfcell": _halfcell,
        "sixel": _sixel,
        "tgp": _kitty,
        "unicode": _unicode,
    }[protocol]
    backend = build(choice, report)
    return replace(
        backend,
        requested=choice.requested,
        fallback=fallback,
        choice=choice,
        report=report,
    )


def backend_named(protocol: str, like: ImageBackend | None = None) -> ImageBackend:
    """The backend for `protocol` on the terminal `like` was built for (none known: no answers)."""
    choice = like.choice if like is not None else None
    report = like.report if like is not None else None
    base = choice or Choice(protocol, "chosen", "truecolor", "not known", requested=protocol)
    chosen = replace(base, protocol=protocol, reason="chosen", requested=protocol, fallback="")
    return backend_for(chosen, report or NO_ANSWERS)


def _none(choice: Choice, report: TerminalReport) -> ImageBackend:
    return ImageBackend(choice.requested, "none", None)


# Each factory imports its widget (and Pillow) when the first image is drawn, not at start: the
# first frame shows none.


def _halfcell(choice: Choice, report: TerminalReport, note: str = "") -> ImageBackend:
    def factory(path: Path) -> Widget:
        from fluxtui.tui.widgets.halfcell import HalfcellImage

        return HalfcellImage(path, cell_px=report.cell_px, classes="image")

    return ImageBackend(choice.requested, "halfcell", factory, note)


def _sixel(choice: Choice, report: TerminalReport) -> ImageBackend:
    def factory(path: Path) -> Widget:
        from fluxtui.tui.widgets.sixel_image import SixelImage

        return SixelImage(
            path, cell_px=report.cell_px, registers=report.sixel_registers, classes="image"
        )

    return ImageBackend(choice.requested, "sixel", factory)


def _kitty(choice: Choice, report: TerminalReport) -> ImageBackend:
    def factory(path: Path) -> Widget:
        from fluxtui.tui.widgets.kitty_image import KittyImage

        return KittyImage(
            path,
            cell_px=report.cell_px,
            colors=choice.colors,
            tmux_passthrough=choice.tmux_passthrough,
            classes="image",
        )

    return ImageBackend(choice.requested, "tgp", factory)


def _unicode(choice: Choice, report: TerminalReport) -> ImageBackend:
    # It logs failed probes with tracebacks; Python would print them on the terminal.
    logging.getLogger("textual_image").addHandler(logging.NullHandler())
    try:
        import textual_image.widget as widgets
    except Exception as exc:  # its terminal probe failed in a way it does not catch
        return _halfcell(choice, report, f"Unicode blocks failed: {type(exc).__name__}")

    def factory(path: Path) -> Widget:
        widget: Widget = widgets.UnicodeImage(str(path), classes="image")
        return widget

    return ImageBackend(choice.requested, "unicode", factory)
