"""Answers to the probe that came after its deadline, taken out of the app's input.

A terminal that answers slower than the probe waits (over a slow link, or busy) sends its answers
once Textual reads the terminal: unfiltered, Textual would take `ESC P >|kitty(0.26.5) ESC \\` for
keys and type `^P>|kitty(0.26.5)` into the prompt. `LateAnswers` sits between the terminal and
Textual's parser while answers are still owed (each batch of questions ends with DA1, so the
count of DA1 answers owed says when all are in): it drops every sequence shaped like an answer
to a question the probe asks, holds one cut off at the end of a read until the rest comes, and
lets everything else (keys, mouse, paste) through unchanged. Pure: no terminal here.
"""

from __future__ import annotations

import re

ESC = "\x1b"

#: one whole answer to a question of `fluxtui.term.queries`, at the start of the text
_ANSWER = re.compile(
    r"\x1b(?:"
    r"P(?:>\||[01]\$r|[01]\+r)[^\x1b]*\x1b\\"  # XTVERSION, DECRQSS, XTGETTCAP
    r"|Ptmux;(?:\x1b\x1b|[^\x1b])*\x1b\\"  # an answer tmux passed on still wrapped
    r"|_G[^\x1b]*\x1b\\"  # the Kitty graphics query's
    r"|\[(?P<da1>\?)[0-9;]*c|\[>[0-9;]*c"  # DA1, DA2
    r"|\[[46];[0-9]+;[0-9]+t"  # cell and window size in pixels
    r"|\[\?1;[0-9]+;[0-9]+S"  # Sixel colour registers
    r")"
)
#: how each answer starts: a read that ends inside one of these (or in its body) is held
_STARTS = ("\x1bP>|", "\x1bP1$r", "\x1bP0$r", "\x1bP1+r", "\x1bP0+r", "\x1bPtmux;", "\x1b_G")
_CSI_STARTS = ("\x1b[?", "\x1b[>", "\x1b[4;", "\x1b[6;")


class LateAnswers:
    """Filters the app's input until `owed` DA1 answers (and all before them) have come."""

    def __init__(self, owed: int) -> None:
        self.owed = owed
        self.dropped = 0  # answers taken out so far
        self._held = ""

    @property
    def active(self) -> bool:
        """Still filtering (answers owed, or part of one held)."""
        return self.owed > 0 or bool(self._held)

    def sift(self, text: str) -> str:
        """`text` without the late answers in it; the start of one cut off at its end is held
        for the next call (or `flush`)."""
        text, self._held = self._held + text, ""
        if self.owed <= 0:
            return text
        kept: list[str] = []
        at = 0
        while at < len(text) and self.owed > 0:
            escape = text.find(ESC, at)
            if escape < 0:
                kept.append(text[at:])
                at = len(text)
                break
            kept.append(text[at:escape])
            answer = _ANSWER.match(text, escape)
            if answer:
                self.dropped += 1
                self.owed -= 1 if answer.group("da1") else 0
                at = answer.end()
            elif _cut_off(text[escape:]):
                self._held = text[escape:]
                at = len(text)
            else:
                kept.append(ESC)
                at = escape + 1
        kept.append(text[at:])
        return "".join(kept)

    def flush(self) -> str:
        """What is held, given up on: nothing more came (a lone ESC was the escape key)."""
        held, self._held = self._held, ""
        return held


def _cut_off(tail: str) -> bool:
    """Whether `tail` (from an ESC to the end of a read) may be the start of an answer."""
    for start in (*_STARTS, *_CSI_STARTS):
        if start.startswith(tail):
            return True  # cut inside the introducer ("\x1b", "\x1bP", "\x1b[")
        if tail.startswith(start):
            body = tail[len(start) :]
            if start in _CSI_STARTS:
                return re.fullmatch(r"[0-9;]*", body) is not None
            return ESC not in body.replace(ESC + ESC, "")[:-1]
    return False
