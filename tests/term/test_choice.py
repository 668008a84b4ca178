"""choose() and describe() over the reports the scripted terminals give (table tests)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fluxtui.term import settings
from fluxtui.term.choice import choose
from fluxtui.term.describe import describe
from fluxtui.term.report import TerminalReport, Tmux


def terminal(**fields: object) -> TerminalReport:
    base = TerminalReport(
        term="xterm-256color",
        term_program="",
        colorterm="",
        name=None,
        version=None,
        xtversion=None,
        answered=True,
        asked=True,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


KITTY_026 = terminal(
    name="kitty",
    version="0.26.5",
    xtversion="kitty(0.26.5)",
    da1=(62,),
    kitty_graphics=True,
    cell_px=(10, 20),
    cell_px_source="CSI 16 t",
)
KITTY_035 = replace(KITTY_026, version="0.35.2", xtversion="kitty(0.35.2)", truecolor_answered=True)
XTERM_SIXEL = terminal(
    name="XTerm",
    version="379",
    da1=(63, 1, 2, 4, 6, 9, 15, 22),
    truecolor_answered=True,
    sixel_registers=1024,
)
XTERM_PLAIN = terminal(name="xterm", version="330", da1=(63, 1, 2, 6, 9, 15, 22))
WEZTERM = terminal(name="WezTerm", version="20240203", da1=(65, 4, 6), kitty_graphics=True)
GHOSTTY = terminal(name="ghostty", version="1.1.0", da1=(62, 22), kitty_graphics=True)
KONSOLE = terminal(name="Konsole", version="24.02.1", da1=(62, 1, 4), kitty_graphics=True)
FOOT = terminal(name="foot", version="1.16.2", da1=(62, 4, 22))
SILENT = terminal(answered=False)
UNASKED = terminal(answered=False, asked=False)
TMUX_33_ON = terminal(
    term="tmux-256color",
    name="kitty",
    version="0.35.2",
    da1=(1, 2),
    tmux=Tmux("3.3a", True, outer_da1=(62,)),
)
TMUX_33_OFF = terminal(term="tmux-256color", da1=(1, 2), tmux=Tmux("3.3a", False))
TMUX_33_UNKNOWN = terminal(term="tmux-256color", da1=(1, 2), tmux=Tmux("3.3a", None))
TMUX_33_OLD_KITTY = replace(TMUX_33_ON, version="0.26.5")
TMUX_34_SIXEL = terminal(
    term="tmux-256color", da1=(1, 2, 4), tmux=Tmux("3.4", False, sixel=True, outer_sixel=True)
)
TMUX_34_PLAIN = terminal(term="tmux-256color", da1=(1, 2), tmux=Tmux("3.4", False))
#: tmux 3.4 with Sixel in a terminal without: tmux would draw a box of `+` (seen in xterm)
TMUX_34_SIXEL_NOT_OUTSIDE = terminal(
    term="tmux-256color",
    name="XTerm",
    version="379",
    da1=(1, 2, 4),
    tmux=Tmux("3.4", True, sixel=True, outer_da1=(64, 1, 2, 6), outer_sixel=False),
)
TMUX_34_SIXEL_UNTOLD = terminal(
    term="tmux-256color", da1=(1, 2, 4), tmux=Tmux("3.4", None, sixel=True)
)


@pytest.mark.parametrize(
    ("report", "protocol", "reason", "passthrough"),
    [
        (KITTY_026, "halfcell", "kitty 0.26 has no Unicode placeholders (0.28+)", False),
        (KITTY_035, "tgp", "kitty 0.35 draws Kitty graphics with Unicode placeholders", False),
        (XTERM_SIXEL, "sixel", "XTerm 379 draws Sixel (DA1 lists 4)", False),
        (XTERM_PLAIN, "halfcell", "DA1 has no 4", False),
        (WEZTERM, "tgp", "WezTerm draws Kitty graphics with Unicode placeholders", False),
        (GHOSTTY, "tgp", "Ghostty draws Kitty graphics with Unicode placeholders", False),
        (KONSOLE, "sixel", "Konsole 24.02.1 draws Sixel (DA1 lists 4)", False),
        (FOOT, "sixel", "foot 1.16.2 draws Sixel", False),
        (SILENT, "halfcell", "the terminal did not answer", False),
        (UNASKED, "halfcell", "the terminal was not asked", False),
        (TMUX_33_ON, "tgp", "through tmux's passthrough", True),
        (TMUX_33_OFF, "halfcell", "allow-passthrough is off in tmux", False),
        (TMUX_33_UNKNOWN, "halfcell", "did not answer through passthrough", False),
        (
            TMUX_33_OLD_KITTY,
            "halfcell",
            "outside tmux, kitty 0.26 has no Unicode placeholders",
            False,
        ),
        (TMUX_34_SIXEL, "sixel", "tmux 3.4 draws Sixel itself (its DA1 lists 4), and the", False),
        (TMUX_34_PLAIN, "halfcell", "tmux 3.4 was built without Sixel", False),
        (
            TMUX_34_SIXEL_NOT_OUTSIDE,
            "halfcell",
            "tmux 3.4 draws Sixel, but the terminal outside does not",
            False,
        ),
        (TMUX_34_SIXEL_UNTOLD, "halfcell", "whether the terminal outside does could not", False),
    ],
)
def test_auto(report: TerminalReport, protocol: str, reason: str, passthrough: bool) -> None:
    choice = choose(report)
    assert (choice.protocol, choice.tmux_passthrough) == (protocol, passthrough)
    assert reason in choice.reason
    assert choice.requested == "auto" and choice.fallback == ""
    assert [entry.split(":")[0] for entry in choice.tried] == ["tgp", "sixel"]


def test_what_was_tried_says_why_each_protocol_was_not_taken() -> None:
    assert choose(KITTY_026).tried == (
        "tgp: kitty 0.26 has no Unicode placeholders (0.28+)",
        "sixel: DA1 has no 4",
    )
    assert choose(KONSOLE).tried[0] == "tgp: Konsole draws Kitty graphics over the other widgets"
    assert "sixel: tmux 3.3a does not draw Sixel" in choose(TMUX_33_ON).tried[1]


@pytest.mark.parametrize(
    ("report", "requested", "protocol", "fallback"),
    [
        (
            KITTY_026,
            "tgp",
            "halfcell",
            "Kitty graphics cannot work here (kitty 0.26 has no "
            "Unicode placeholders (0.28+)): showing half-cell blocks instead",
        ),
        (
            KITTY_035,
            "sixel",
            "tgp",
            "Sixel cannot work here (DA1 has no 4): showing Kitty graphics instead",
        ),
        (
            TMUX_33_OFF,
            "tgp",
            "halfcell",
            "Kitty graphics cannot work here (allow-passthrough "
            "is off in tmux (set -g allow-passthrough on)): showing half-cell blocks instead",
        ),
        (
            TMUX_33_ON,
            "sixel",
            "tgp",
            "Sixel cannot work here (tmux 3.3a does not draw Sixel "
            "(3.4+ built with it does)): showing Kitty graphics instead",
        ),
        (XTERM_SIXEL, "sixel", "sixel", ""),
        (TMUX_33_ON, "tgp", "tgp", ""),
        (SILENT, "sixel", "sixel", ""),  # nothing to check it against: as asked
        (KITTY_026, "halfcell", "halfcell", ""),
        (KITTY_035, "none", "none", ""),
        (XTERM_SIXEL, "unicode", "unicode", ""),
    ],
)
def test_forced(report: TerminalReport, requested: str, protocol: str, fallback: str) -> None:
    choice = choose(report, requested)
    assert (choice.protocol, choice.requested, choice.fallback) == (protocol, requested, fallback)


def test_forced_kitty_graphics_in_tmux_goes_through_passthrough() -> None:
    assert choose(TMUX_33_ON, "tgp").tmux_passthrough


@pytest.mark.parametrize(
    ("report", "color", "colors", "why"),
    [
        (replace(XTERM_PLAIN, colorterm="truecolor"), None, "truecolor", "COLORTERM=truecolor"),
        (replace(XTERM_PLAIN, colorterm="24bit"), None, "truecolor", "COLORTERM=24bit"),
        (KITTY_035, None, "truecolor", "the terminal read a 24-bit colour back"),
        (XTERM_PLAIN, None, "256", "TERM=xterm-256color, and the terminal read no 24-bit"),
        (replace(XTERM_PLAIN, term="xterm"), None, "16", "TERM=xterm"),
        (replace(UNASKED, term=""), None, "16", "TERM is not set"),
        (replace(XTERM_PLAIN, term="xterm-direct"), None, "truecolor", "TERM=xterm-direct"),
        (
            replace(UNASKED, term="mlterm", name="mlterm", asked=True),
            None,
            "truecolor",
            "mlterm takes",
        ),
        (replace(TMUX_33_OFF, tmux=Tmux("3.3a", False, rgb=True)), None, "truecolor", "tmux"),
        (KITTY_035, "256", "256", "set by FLUXTUI_COLOR or [tui] color"),
        (XTERM_PLAIN, "auto", "256", "TERM=xterm-256color"),
    ],
)
def test_colour_depth(report: TerminalReport, color: str | None, colors: str, why: str) -> None:
    choice = choose(report, color=color)
    assert choice.colors == colors and why in choice.colors_reason


def test_colour_override_sources_and_messages() -> None:
    assert settings.color_override(None, None) is None
    assert settings.color_override("", "auto") is None
    assert settings.color_override(None, "256") == ("256", "[tui] color")
    assert settings.color_override("TrueColor", "16") == ("truecolor", "FLUXTUI_COLOR")
    with pytest.raises(ValueError, match=r"^FLUXTUI_COLOR 'rgb' is not one of auto, truecolor"):
        settings.color_override("rgb", None)
    with pytest.raises(ValueError, match=r"^\[tui\] color 24 is not one of"):
        settings.color_override(None, 24)
    assert choose(XTERM_PLAIN, color="16", color_from="[tui] color").colors_reason == (
        "set by [tui] color"
    )


def test_protocol_request_sources() -> None:
    assert settings.requested_protocol(None, None, None) == ("auto", "")
    assert settings.requested_protocol(None, "SIXEL", "tgp") == ("sixel", "FLUXTUI_IMAGE_PROTOCOL")
    with pytest.raises(ValueError, match=r"^\[tui\] image_protocol 'kitty' is not one of"):
        settings.requested_protocol(None, None, "kitty")


def test_describe_has_what_a_bug_report_needs() -> None:
    report = replace(KITTY_026, term_program="WezTerm 2024", elapsed_ms=12.4)
    lines = describe(report, choose(report, "tgp"))
    text = "\n".join(lines)
    assert "terminal: kitty 0.26.5 (XTVERSION 'kitty(0.26.5)')" in lines
    assert "environment: TERM=xterm-256color COLORTERM=(unset) TERM_PROGRAM=WezTerm 2024" in lines
    assert "tmux: no" in lines
    assert (
        "colours: 256 (TERM=xterm-256color, and the terminal read no 24-bit colour back)" in lines
    )
    assert "cell size: 10x20 px (CSI 16 t)" in lines
    assert "images: half-cell blocks (kitty 0.26 has no Unicode placeholders (0.28+); " in text
    assert "asked for: Kitty graphics" in lines
    assert any(line.startswith("fallback: Kitty graphics cannot work here") for line in lines)
    assert "tried: tgp: kitty 0.26 has no Unicode placeholders (0.28+)" in lines
    assert "probe: answered in 12 ms" in lines


def test_describe_tmux_and_silence() -> None:
    lines = describe(TMUX_33_ON, choose(TMUX_33_ON))
    assert "tmux: 3.3a, allow-passthrough on, no Sixel, outer DA1 62" in lines
    sixel = describe(TMUX_34_SIXEL_NOT_OUTSIDE, choose(TMUX_34_SIXEL_NOT_OUTSIDE))
    assert (
        "tmux: 3.4, allow-passthrough on, draws Sixel, the terminal outside draws no Sixel, "
        "outer DA1 64;1;2;6" in sixel
    )
    assert "terminal: kitty 0.35.2, outside tmux" in lines
    silent = describe(replace(SILENT, elapsed_ms=90), choose(SILENT))
    assert "probe: no answer within 90 ms" in silent and "answers: none" in silent
    assert "cell size: unknown (half-cells drawn as 1:2)" in silent
    assert "probe: the terminal was not asked" in describe(UNASKED, choose(UNASKED))


def test_describe_makes_what_the_terminal_said_inert() -> None:
    hostile = terminal(name="\x1b]0;x\x07", xtversion="\x1b[2J", notes=("\x1b[31mred",))
    for line in describe(hostile, choose(hostile)):
        assert "\x1b" not in line and "\x07" not in line
