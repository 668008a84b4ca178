"""Who the terminal is, from its XTVERSION answer, its DA2 answer and the environment."""

from __future__ import annotations

import re
from collections.abc import Mapping

from fluxtui.core.text import inert

#: "kitty(0.26.5)", "XTerm(379)", "WezTerm 20240203-110809-5046fc22", "tmux 3.3a", "foot(1.16.2)"
_XTVERSION = re.compile(r"\s*([A-Za-z][\w.+-]*?)(?:\(|\s+v?)([0-9][\w.+~-]*)\)?\s*$")
#: DA2's first number, for terminals that do not answer XTVERSION
_DA2_NAMES = {41: "xterm", 65: "VTE", 83: "screen", 84: "tmux", 77: "mintty", 24: "mlterm"}
#: TERM_PROGRAM values, as the terminals set them
_PROGRAMS = {"wezterm": "WezTerm", "ghostty": "ghostty", "iterm.app": "iTerm2", "tmux": "tmux"}


def from_xtversion(text: str) -> tuple[str, str | None]:
    """The name and version an XTVERSION answer gives (inert; the version None when it has none)."""
    match = _XTVERSION.match(text)
    if match:
        return inert(match.group(1)), inert(match.group(2))
    return inert(text.strip()) or "unknown", None


def from_da2(da2: tuple[int, ...] | None) -> tuple[str | None, str | None]:
    """A name from DA2 where its first number says which terminal it is (and xterm's version:
    the others' DA2 numbers are not the versions they call themselves)."""
    if not da2 or da2[0] not in _DA2_NAMES:
        return None, None
    name = _DA2_NAMES[da2[0]]
    version = str(da2[1]) if len(da2) > 1 and name == "xterm" else None  # xterm's patch level
    return name, version


def from_environment(env: Mapping[str, str]) -> tuple[str | None, str | None]:
    """A name and version from TERM_PROGRAM (+ its version), Konsole's and kitty's variables."""
    program = env.get("TERM_PROGRAM", "")
    if program.lower() in _PROGRAMS:
        return _PROGRAMS[program.lower()], inert(env.get("TERM_PROGRAM_VERSION", "")) or None
    if env.get("KONSOLE_VERSION"):
        return "Konsole", inert(env["KONSOLE_VERSION"])
    if env.get("TERM") == "xterm-kitty" or env.get("KITTY_WINDOW_ID"):
        return "kitty", None
    return None, None


def version_tuple(version: str | None) -> tuple[int, ...]:
    """The leading numbers of a version: "0.26.5" → (0, 26, 5), "3.3a" → (3, 3)."""
    numbers: list[int] = []
    for part in re.split(r"[.-]", version or ""):
        digits = re.match(r"\d+", part)
        if not digits:
            break
        numbers.append(int(digits.group()))
        if digits.group() != part:
            break
    return tuple(numbers)
