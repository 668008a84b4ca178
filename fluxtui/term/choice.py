"""The image protocol and colour depth to run with, chosen from a terminal report, with reasons.

Kitty graphics only where its Unicode placeholders work (kitty 0.28+, Ghostty, WezTerm), Sixel
only where DA1 lists 4; inside tmux, Sixel where tmux draws it itself (3.4+ built with it) and
the terminal outside draws it too (else tmux shows a box of `+`), Kitty graphics through
passthrough where it is on and the terminal outside has placeholders; else half-cell blocks.
Nothing unwrapped goes to tmux: it would turn the sequence into a pane title.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from fluxtui.term.identify import version_tuple
from fluxtui.term.report import Choice, TerminalReport, Tmux

PROTOCOL_NAMES = {
    "tgp": "Kitty graphics",
    "sixel": "Sixel",
    "halfcell": "half-cell blocks",
    "unicode": "Unicode blocks",
    "none": "text only",
}
#: terminals whose Kitty graphics draw Unicode placeholders (kitty from 0.28)
_PLACEHOLDERS = {"ghostty": "Ghostty", "wezterm": "WezTerm"}
KITTY_PLACEHOLDERS = (0, 28)
#: terminals known to take 24-bit colour that do not answer the read-back (mlterm: TERM=mlterm)
TRUECOLOR_TERMINALS = frozenset({"mlterm"})


@dataclass(frozen=True)
class _Verdict:
    works: bool
    why: str  # "kitty 0.35 draws Kitty graphics with Unicode placeholders", "DA1 has no 4"
    passthrough: bool = False


def choose(
    report: TerminalReport,
    requested: str = "auto",
    color: str | None = None,
    *,
    color_from: str = "FLUXTUI_COLOR or [tui] color",
) -> Choice:
    """The protocol and colour depth for `report`; `requested` a forced protocol or auto, `color`
    a forced depth (`color_from` names who forced it, for the reason)."""
    colors, colors_reason = _colors(report, color, color_from)
    if requested in ("halfcell", "unicode", "none"):
        return Choice(requested, "asked for", colors, colors_reason, requested=requested)
    verdicts = {"tgp": _tgp(report), "sixel": _sixel(report)}
    tried = tuple(f"{name}: {verdict.why}" for name, verdict in verdicts.items())
    best = next((name for name, verdict in verdicts.items() if verdict.works), "halfcell")
    if best == "halfcell":
        reason = "; ".join(dict.fromkeys(verdict.why for verdict in verdicts.values()))
    else:
        reason = verdicts[best].why
    auto = Choice(
        best,
        reason,
        colors,
        colors_reason,
        requested=requested,
        tmux_passthrough=best == "tgp" and verdicts["tgp"].passthrough,
        tried=tried,
    )
    if requested not in verdicts:  # auto
        return auto
    forced = verdicts[requested]
    if forced.works or (not report.answered and report.tmux is None):
        why = forced.why if forced.works else "the terminal did not answer, so it is not checked"
        return replace(
            auto,
            protocol=requested,
            reason=f"asked for; {why}",
            tmux_passthrough=forced.passthrough,
        )
    fallback = (
        f"{PROTOCOL_NAMES[requested]} cannot work here ({forced.why}): "
        f"showing {PROTOCOL_NAMES[best]} instead"
    )
    return replace(auto, fallback=fallback)


def _colors(report: TerminalReport, color: str | None, color_from: str) -> tuple[str, str]:
    if color and color != "auto":
        return color, f"set by {color_from}"
    if report.colorterm.lower() in ("truecolor", "24bit"):
        return "truecolor", f"COLORTERM={report.colorterm}"
    if report.truecolor_answered:
        return "truecolor", "the terminal read a 24-bit colour back"
    if report.tmux is not None and report.tmux.rgb:
        return "truecolor", "tmux passes 24-bit colour on (its terminal has the RGB feature)"
    if report.tmux is None and report.name in TRUECOLOR_TERMINALS:
        return "truecolor", f"{report.name} takes 24-bit colour (it read none back when asked)"
    term = report.term
    if term.endswith("-direct"):
        return "truecolor", f"TERM={term}"
    unread = "" if not report.asked else ", and the terminal read no 24-bit colour back"
    if "256color" in term:
        return "256", f"TERM={term}{unread}"
    return "16", (f"TERM={term}" if term else "TERM is not set") + unread


def _who(report: TerminalReport) -> str:
    if not report.name:
        return "the terminal"
    return f"{report.name} {report.version}" if report.version else report.name


def _unasked(report: TerminalReport) -> str | None:
    if not report.asked:
        return "the terminal was not asked"
    if not report.answered:
        return "the terminal did not answer"
    return None


def _placeholders(report: TerminalReport) -> _Verdict:
    """Whether the terminal (outside tmux: the outer one) draws Kitty graphics placeholders."""
    name = (report.name or "").lower()
    if name == "kitty":
        version = version_tuple(report.version)
        short = ".".join(str(part) for part in version[:2])
        if version >= KITTY_PLACEHOLDERS:
            return _Verdict(True, f"kitty {short} draws Kitty graphics with Unicode placeholders")
        if version:
            return _Verdict(False, f"kitty {short} has no Unicode placeholders (0.28+)")
        return _Verdict(False, "kitty did not say its version (Unicode placeholders: 0.28+)")
    if name in _PLACEHOLDERS:
        return _Verdict(
            True, f"{_PLACEHOLDERS[name]} draws Kitty graphics with Unicode placeholders"
        )
    if name == "konsole":
        return _Verdict(False, "Konsole draws Kitty graphics over the other widgets")
    if report.kitty_graphics:
        return _Verdict(
            False,
            f"{_who(report)} answers the Kitty graphics query, but Unicode placeholders are "
            "known to work only in kitty 0.28+, Ghostty and WezTerm",
        )
    if name:
        return _Verdict(False, f"{_who(report)} does not draw Kitty graphics with placeholders")
    return _Verdict(False, "the terminal does not answer the Kitty graphics query")


def _tgp(report: TerminalReport) -> _Verdict:
    if report.tmux is None:
        unasked = _unasked(report)
        return _Verdict(False, unasked) if unasked else _placeholders(report)
    if report.tmux.passthrough is False:
        return _Verdict(False, "allow-passthrough is off in tmux (set -g allow-passthrough on)")
    if not report.name:
        return _Verdict(
            False,
            "the terminal outside tmux did not answer through passthrough "
            "(is allow-passthrough on?)",
        )
    outer = _placeholders(report)
    if outer.works:
        return _Verdict(True, f"{outer.why}, through tmux's passthrough", passthrough=True)
    return _Verdict(False, f"outside tmux, {outer.why}")


def _sixel(report: TerminalReport) -> _Verdict:
    if report.tmux is not None:
        return _tmux_sixel(report.tmux)
    unasked = _unasked(report)
    if unasked:
        return _Verdict(False, unasked)
    if not report.da1:
        return _Verdict(False, "the terminal did not answer DA1")
    if 4 in report.da1:
        return _Verdict(True, f"{_who(report)} draws Sixel (DA1 lists 4)")
    return _Verdict(False, "DA1 has no 4")


def _tmux_sixel(tmux: Tmux) -> _Verdict:
    """tmux 3.4+ built with Sixel draws it, but only to a terminal outside that draws it too."""
    version = tmux.version or "?"
    if not tmux.sixel:
        if version_tuple(tmux.version) >= (3, 4):
            return _Verdict(False, f"tmux {version} was built without Sixel (its DA1 has no 4)")
        return _Verdict(False, f"tmux {version} does not draw Sixel (3.4+ built with it does)")
    if tmux.outer_sixel is None:
        return _Verdict(
            False,
            f"tmux {version} draws Sixel, but whether the terminal outside does could not be told "
            "(tmux's client_termfeatures, or its DA1 through allow-passthrough)",
        )
    if not tmux.outer_sixel:
        return _Verdict(
            False,
            f"tmux {version} draws Sixel, but the terminal outside does not "
            "(no sixel in tmux's client_termfeatures): tmux would show a box of +",
        )
    return _Verdict(
        True, f"tmux {version} draws Sixel itself (its DA1 lists 4), and the terminal outside too"
    )
