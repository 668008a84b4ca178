"""Text from outside made inert: the one sanitiser for everything written to a terminal.

Prompts, provider messages, fal log lines, file names and error details may hold escape sequences
(`ESC ] 52` writes the clipboard, `ESC [ 2J` clears the screen) or bidi overrides that reorder what
a reader sees. `inert` keeps every character readable and none of them active: C0 controls become
their Control Pictures (ESC is shown as ␛), DEL as ␡, C1 controls and bidi/format characters as
`\\x9b` or `\\u202e` escapes. It does not touch Textual markup: the TUI passes such text as
`rich.text.Text` (or escapes it), never as markup.
"""

from __future__ import annotations

import re

#: C0 controls but tab and newline, DEL, C1 controls, and the Unicode format characters that
#: change how the rest of a line is shown (bidi embeddings, overrides and isolates)
_ACTIVE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_ACTIVE_OR_LAYOUT = re.compile(
    "[\x00-\x1f\x7f\x80-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (␛ for ESC, ␊ for a newline on one line)
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def inert(text: str, *, multiline: bool = False) -> str:
    """`text` with every control and direction-changing character shown, not executed.

    With `multiline`, newlines and tabs are kept as they are (a log, a help text); otherwise they
    are shown as ␊ and ␉ so that the text stays on its one line (a table cell, a status line).
    """
    pattern = _ACTIVE if multiline else _ACTIVE_OR_LAYOUT
    return pattern.sub(_visible, text)


def cut(text: str, limit: int) -> str:
    """`text` within `limit` characters: cut after the last whole word that fits, then "…" (a
    first word longer than that is cut inside)."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space > 0 and not text[limit - 1].isspace():
        head = head[:space]
    return head.rstrip(" ,;:.-") + "…"
