"""What was found out about the terminal, and what was chosen from it.

`TerminalReport` is what the probe learnt (nothing here talks to a terminal); `Choice` is the
image protocol and colour depth picked from a report, with the reasons a user reads in
`fluxtui doctor` and in the app's terminal report.
"""

from __future__ import annotations

from dataclasses import dataclass

COLOR_DEPTHS = ("truecolor", "256", "16")
IMAGE_PROTOCOLS = ("tgp", "sixel", "halfcell", "unicode", "none")


@dataclass(frozen=True)
class Tmux:
    """The tmux the app runs inside, and whether graphics can get through it."""

    version: str | None  # "3.3a", from XTVERSION or `tmux -V`
    passthrough: bool | None  # allow-passthrough on (None: could not tell)
    sixel: bool = False  # tmux itself draws Sixel (3.4+ built with it: its DA1 says 4)
    outer_da1: tuple[int, ...] = ()  # the outer terminal's DA1, asked through passthrough
    rgb: bool = False  # tmux passes 24-bit colour on (its client has the RGB feature)
    #: the terminal outside draws Sixel: tmux's client_termfeatures has sixel, else the outer
    #: DA1 lists 4 (None: could not tell). tmux 3.4 draws Sixel only to such a terminal; to any
    #: other it shows a box of `+` (a "SIXEL IMAGE" placeholder) where the image would be.
    outer_sixel: bool | None = None


@dataclass(frozen=True)
class TerminalReport:
    """The answers a terminal gave (or did not) to the probe's questions, and the environment."""

    term: str  # $TERM ("" when unset)
    term_program: str  # $TERM_PROGRAM (+ version when set), "" when unset
    colorterm: str  # $COLORTERM, "" when unset
    name: str | None  # the terminal's own name: "kitty", "xterm", "WezTerm", "foot", …
    version: str | None  # its version as it gave it: "0.26.5", "379"
    xtversion: str | None  # the raw XTVERSION answer, inert text (outer terminal's under tmux)
    da1: tuple[int, ...] = ()  # DA1 attributes (4: Sixel)
    tmux: Tmux | None = None
    truecolor_answered: bool = False  # the terminal read a 24-bit colour back (DECRQSS/XTGETTCAP)
    cell_px: tuple[int, int] | None = None  # one cell's width and height in pixels
    cell_px_source: str = ""  # "CSI 16 t", "TIOCGWINSZ", "CSI 14 t", "" when unknown
    sixel_registers: int | None = None  # XTSMGRAPHICS colour registers, when asked and answered
    kitty_graphics: bool = False  # answered the Kitty graphics query with OK
    answered: bool = False  # anything came back at all
    asked: bool = False  # the probe ran (False: no terminal to ask, or asking was skipped)
    elapsed_ms: float = 0.0  # from asking to reading the answers (the app imports meanwhile)
    #: batches of answers (each ends with DA1) not in by the deadline: what comes of them later
    #: is taken out of the app's input (`fluxtui.term.late_answers`), never typed into it
    owed: int = 0
    notes: tuple[str, ...] = ()  # what went wrong while asking, in words


@dataclass(frozen=True)
class Choice:
    """The image protocol and colour depth to run with, and why."""

    protocol: str  # one of IMAGE_PROTOCOLS
    reason: str  # why this protocol: "kitty 0.35 draws Kitty graphics with Unicode placeholders"
    colors: str  # one of COLOR_DEPTHS
    colors_reason: str  # "the terminal read a 24-bit colour back", "[tui] color", …
    requested: str = "auto"  # what the user asked for (auto, or a forced protocol)
    tmux_passthrough: bool = False  # wrap graphics in tmux's DCS passthrough
    fallback: str = ""  # a forced protocol that cannot work here: why, said once in the preview
    tried: tuple[str, ...] = ()  # each protocol considered, with its verdict
