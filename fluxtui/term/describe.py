"""The lines `fluxtui doctor` and the app's terminal report print about the terminal.

Written to be pasted into a bug report: what the terminal said it is, the environment, tmux,
the colour depth and why, the cell size and its source, the protocol chosen, why, and what was
tried, and how long asking took. Every line is inert text.
"""

from __future__ import annotations

from fluxtui.core.text import inert
from fluxtui.term.choice import PROTOCOL_NAMES
from fluxtui.term.report import Choice, TerminalReport


def describe(report: TerminalReport, choice: Choice) -> list[str]:
    """One line per fact, `label: value`, inert."""
    lines = [
        f"terminal: {_terminal(report)}",
        "environment: "
        + " ".join(
            f"{name}={value or '(unset)'}"
            for name, value in (
                ("TERM", report.term),
                ("COLORTERM", report.colorterm),
                ("TERM_PROGRAM", report.term_program),
            )
        ),
        f"tmux: {_tmux(report)}",
        f"answers: {_answers(report)}",
        f"colours: {choice.colors} ({choice.colors_reason})",
        f"cell size: {_cell(report)}",
        f"images: {PROTOCOL_NAMES.get(choice.protocol, choice.protocol)} ({choice.reason})",
    ]
    if choice.requested != "auto":
        lines.append(f"asked for: {PROTOCOL_NAMES.get(choice.requested, choice.requested)}")
    if choice.fallback:
        lines.append(f"fallback: {choice.fallback}")
    lines += [f"tried: {entry}" for entry in choice.tried]
    lines.append(f"probe: {_probe(report)}")
    lines += [f"note: {note}" for note in report.notes]
    return [inert(line) for line in lines]


def _terminal(report: TerminalReport) -> str:
    if report.name is None:
        if report.tmux is not None:
            return "unknown (the terminal outside tmux did not say who it is)"
        if not report.asked:
            return "unknown (not asked)"
        return "unknown" + ("" if report.answered else " (it did not say)")
    text = f"{report.name} {report.version}" if report.version else report.name
    if report.xtversion is not None:
        text += f" (XTVERSION {report.xtversion!r})"
    return text + (", outside tmux" if report.tmux is not None else "")


def _tmux(report: TerminalReport) -> str:
    if report.tmux is None:
        return "no"
    tmux = report.tmux
    passthrough = {True: "on", False: "off", None: "unknown"}[tmux.passthrough]
    parts = [f"{tmux.version or 'version unknown'}", f"allow-passthrough {passthrough}"]
    parts.append("draws Sixel" if tmux.sixel else "no Sixel")
    if tmux.sixel and tmux.outer_sixel is not None:
        parts.append(f"the terminal outside draws {'Sixel' if tmux.outer_sixel else 'no Sixel'}")
    if tmux.rgb:
        parts.append("24-bit colour")
    if tmux.outer_da1:
        parts.append("outer DA1 " + ";".join(str(n) for n in tmux.outer_da1))
    return ", ".join(parts)


def _answers(report: TerminalReport) -> str:
    if not report.asked:
        return "not asked"
    if not report.answered:
        return "none"
    parts = [
        "DA1 " + (";".join(str(n) for n in report.da1) if report.da1 else "none"),
        f"Kitty graphics {'OK' if report.kitty_graphics else 'no'}",
        f"24-bit read-back {'yes' if report.truecolor_answered else 'no'}",
    ]
    if report.sixel_registers:
        parts.append(f"{report.sixel_registers} Sixel colour registers")
    return ", ".join(parts)


def _cell(report: TerminalReport) -> str:
    if report.cell_px is None:
        return "unknown (half-cells drawn as 1:2)"
    width, height = report.cell_px
    return f"{width}x{height} px ({report.cell_px_source})"


def _probe(report: TerminalReport) -> str:
    if not report.asked:
        return "the terminal was not asked"
    if not report.answered:
        return f"no answer within {report.elapsed_ms:.0f} ms"
    return f"answered in {report.elapsed_ms:.0f} ms"
