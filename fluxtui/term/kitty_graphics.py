"""Kitty graphics with Unicode placeholders: the sequences, and the text that shows the image.

The image is transmitted once with a *virtual* placement (`a=T,U=1`): the terminal keeps it and
draws it wherever cells hold the placeholder U+10EEEE in the image id's foreground colour, one
cell of the image per placeholder (its row and column given by diacritics). The placeholders are
ordinary text, so the app lays them out like any other and nothing is drawn over other widgets;
inside tmux they are text tmux keeps, and only the graphics sequences need its passthrough.
"""

from __future__ import annotations

import base64
import random

from fluxtui.term.kitty_diacritics import DIACRITICS, PLACEHOLDER
from fluxtui.term.passthrough import wrap_for_tmux

CHUNK = 4096  # the most base64 one graphics command may carry
MAX_CELLS = len(DIACRITICS)  # rows and columns a placeholder can number
PLACEMENT = 1  # one placement per image, replaced when the widget's size changes

# 256-colour ids: the colour cube's entries that are not grey, which survive a 256-colour
# terminal's colour mapping unchanged (greys would be folded onto the grey ramp).
_CUBE = (0, 95, 135, 175, 215, 255)
EIGHT_BIT_IDS = tuple(
    16 + 36 * r + 6 * g + b
    for r in range(6)
    for g in range(6)
    for b in range(6)
    if len({r, g, b}) > 1
)


def new_image_id(colors: str, rng: random.Random | None = None) -> int:
    """An id unlikely to clash with another program's images: 24-bit, or a 256-colour one."""
    pick = rng or random.Random()
    if colors == "truecolor":
        return pick.randrange(1 << 8, 1 << 24)
    return pick.choice(EIGHT_BIT_IDS)


def id_rgb(image_id: int) -> tuple[int, int, int]:
    """The foreground colour that carries `image_id` (a 256-colour id as its cube colour)."""
    if image_id < 256:
        n = image_id - 16
        return _CUBE[n // 36], _CUBE[n // 6 % 6], _CUBE[n % 6]
    return (image_id >> 16) & 255, (image_id >> 8) & 255, image_id & 255


def _command(keys: str, payload: str = "") -> str:
    return f"\x1b_G{keys};{payload}\x1b\\" if payload else f"\x1b_G{keys}\x1b\\"


def transmit(png: bytes, image_id: int, columns: int, rows: int) -> list[str]:
    """Commands sending a PNG and placing it virtually over `columns` × `rows` cells.

    Chunked: ≤ 4096 base64 characters each, `m=1` on all but the last; `q=2`: no replies (a reply
    would arrive as keys in the app).
    """
    data = base64.standard_b64encode(png).decode("ascii")
    chunks = [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)] or [""]
    keys = f"a=T,U=1,f=100,t=d,i={image_id},p={PLACEMENT},c={columns},r={rows},q=2"
    commands = []
    for n, chunk in enumerate(chunks):
        more = int(n < len(chunks) - 1)
        commands.append(_command(f"{keys},m={more}" if n == 0 else f"m={more}", chunk))
    return commands


def place(image_id: int, columns: int, rows: int) -> str:
    """Replace the image's virtual placement with one over `columns` × `rows` cells."""
    return _command(f"a=p,U=1,i={image_id},p={PLACEMENT},c={columns},r={rows},q=2")


def delete(image_id: int) -> str:
    """Free the image: its placements and its data."""
    return _command(f"a=d,d=I,i={image_id},q=2")


def for_terminal(command: str, tmux_passthrough: bool) -> str:
    """`command` as it must be written: wrapped for tmux's passthrough when inside tmux."""
    return wrap_for_tmux(command) if tmux_passthrough else command


def placeholder_row(row: int, columns: int) -> str:
    """Row `row` of the image: each cell U+10EEEE + the row's diacritic + the column's."""
    mark = chr(DIACRITICS[row])
    return "".join(PLACEHOLDER + mark + chr(DIACRITICS[column]) for column in range(columns))
