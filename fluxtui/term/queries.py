"""The questions the probe asks a terminal, and a pure parser of the bytes it answers.

Nothing here touches a terminal: `questions()` builds the bytes to write, `parse()` reads what
came back (any mix of answers, typed keys and noise), so both are tested without a tty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ESC = "\x1b"
ST = ESC + "\\"

XTVERSION = ESC + "[>0q"
DA2 = ESC + "[>c"
KITTY_GRAPHICS = ESC + "_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA" + ST
CELL_SIZE = ESC + "[16t"
WINDOW_SIZE = ESC + "[14t"
#: set a 24-bit foreground, ask it back (DECRQSS SGR), then reset
TRUECOLOR_READBACK = ESC + "[38:2::1:2:3m" + ESC + "P$qm" + ST + ESC + "[m"
#: XTGETTCAP for RGB and Tc, names hex-encoded
_RGB, _TC = b"RGB".hex().upper(), b"Tc".hex().upper()
XTGETTCAP = ESC + "P+q" + _RGB + ";" + _TC + ST
SIXEL_REGISTERS = ESC + "[?1;1;0S"
#: every terminal answers DA1: its answer, asked last, says all the others are in
DA1 = ESC + "[c"


def tmux_wrap(sequence: str) -> str:
    """`sequence` in tmux's DCS passthrough, for the terminal outside tmux (ESC doubled)."""
    return ESC + "Ptmux;" + sequence.replace(ESC, ESC + ESC) + ST


def questions(*, tmux: bool = False) -> bytes:
    """Every question in one write, DA1 last. Under tmux, the Kitty graphics query (an APC, which
    tmux would make the pane's title) and the outer terminal's XTVERSION and DA1 go through
    passthrough, before tmux's own DA1 (tmux answers that at once; the outer terminal's answers
    come after it). The 24-bit read-back (DECRQSS) and XTGETTCAP are not sent to tmux: it
    answers neither (its RGB feature tells the colours), and tmux 3.4 built with Sixel takes a
    DCS whose final byte is `q` for a Sixel image: with a Sixel terminal outside, its server
    crashed on the DECRQSS, ending the user's session."""
    asked = [XTVERSION, DA2, CELL_SIZE, WINDOW_SIZE, SIXEL_REGISTERS]
    if tmux:
        asked += [tmux_wrap(XTVERSION), tmux_wrap(KITTY_GRAPHICS), tmux_wrap(DA1)]
    else:
        asked[2:2] = [KITTY_GRAPHICS]
        asked[-1:-1] = [TRUECOLOR_READBACK, XTGETTCAP]
    return "".join([*asked, DA1]).encode()


@dataclass
class Answers:
    """What a terminal answered, in the order it came."""

    xtversions: list[str] = field(default_factory=list)  # raw XTVERSION texts
    da1: list[tuple[int, ...]] = field(default_factory=list)  # each DA1 answer's attributes
    da2: tuple[int, ...] | None = None
    kitty_graphics: bool | None = None  # None: not answered; False: answered with an error
    cell_px: tuple[int, int] | None = None  # CSI 16 t: (width, height)
    window_px: tuple[int, int] | None = None  # CSI 14 t: (width, height)
    truecolor_readback: bool = False  # DECRQSS gave the 24-bit colour back
    rgb_capability: bool = False  # XTGETTCAP knows RGB or Tc
    sixel_registers: int | None = None
    keys: bytes = b""  # bytes that answered nothing: keys typed meanwhile
    unknown: int = 0  # escape sequences that were no answer to a question asked

    @property
    def complete(self) -> bool:
        return bool(self.da1)


# One escape sequence at the start of the text: DCS/APC up to ST (or BEL), or a CSI.
_STRING = re.compile(r"\x1b([P_])(.*?)(?:\x1b\\|\x07)", re.S)
_WRAPPED = re.compile(r"\x1bPtmux;((?:\x1b\x1b|[^\x1b])*)\x1b\\")
_CSI = re.compile(r"\x1b\[([?>]?)([0-9;:]*)([\x40-\x7e])")
_TRUECOLOR = re.compile(r"38[:;]2[:;](?:\d*[:;])?1[:;]2[:;]3(?!\d)")
_TCAP_NAMES = {_RGB, _TC}


def parse(data: bytes) -> Answers:
    """Every answer found in `data`; what is no answer counts as typed keys or unknown."""
    answers = Answers()
    _scan(data.decode("utf-8", "replace"), answers)
    return answers


def _scan(text: str, answers: Answers) -> None:
    keys: list[str] = []
    at = 0
    while at < len(text):
        if text[at] != ESC:
            end = text.find(ESC, at)
            end = len(text) if end < 0 else end
            keys.append(text[at:end])
            at = end
            continue
        wrapped = _WRAPPED.match(text, at)
        string = _STRING.match(text, at)
        csi = _CSI.match(text, at)
        if wrapped:  # an answer tmux passed on still wrapped
            _scan(wrapped.group(1).replace(ESC + ESC, ESC), answers)
            at = wrapped.end()
        elif string:
            _string(string.group(1), string.group(2), answers)
            at = string.end()
        elif csi:
            if not _csi(csi.group(1), csi.group(2), csi.group(3), answers):
                keys.append(csi.group())  # an arrow or function key typed meanwhile
            at = csi.end()
        elif text.startswith((ESC + "P", ESC + "_"), at):
            break  # cut off before its end: the rest has not arrived
        else:
            keys.append(text[at : at + 2])  # alt+key, or a lone ESC
            at += 2
    answers.keys += "".join(keys).encode()


def _string(kind: str, body: str, answers: Answers) -> None:
    if kind == "_":
        if body.startswith("G") and "i=31" in body.split(";")[0]:
            answers.kitty_graphics = body.rsplit(";", 1)[-1] == "OK"
        else:
            answers.unknown += 1
    elif body.startswith(">|"):
        answers.xtversions.append(body[2:])
    elif body.startswith("1$r"):
        answers.truecolor_readback = bool(_TRUECOLOR.search(body))
    elif body.startswith("1+r"):
        names = {part.split("=")[0].upper() for part in body[3:].split(";")}
        answers.rgb_capability = answers.rgb_capability or bool(names & _TCAP_NAMES)
    elif body.startswith(("0$r", "0+r")):
        pass  # the terminal knows the question and says no
    else:
        answers.unknown += 1


def _csi(prefix: str, params: str, final: str, answers: Answers) -> bool:
    """Record one CSI answer; False when it answers nothing asked (a key)."""
    numbers = _numbers(params)
    if final == "c" and prefix == "?":
        answers.da1.append(numbers)
    elif final == "c" and prefix == ">":
        answers.da2 = numbers
    elif final == "t" and not prefix and len(numbers) == 3 and numbers[0] in (4, 6):
        height, width = numbers[1], numbers[2]
        if width > 0 and height > 0:
            if numbers[0] == 6:
                answers.cell_px = (width, height)
            else:
                answers.window_px = (width, height)
    elif final == "S" and prefix == "?" and len(numbers) == 3 and numbers[0] == 1:
        if numbers[1] == 0 and numbers[2] > 0:
            answers.sixel_registers = numbers[2]
    else:
        return False
    return True


def _numbers(params: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.split("[;:]", params) if part.isdigit())
