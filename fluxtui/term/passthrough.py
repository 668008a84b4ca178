"""Getting a graphics sequence through tmux to the terminal outside it.

tmux hands a DCS `ESC P tmux; … ESC \\` to the outer terminal as it is, once `allow-passthrough` is
on, with each ESC inside doubled (a lone ESC would end it early). Unwrapped, tmux eats an APC and
sets the pane title from it; so inside tmux every Kitty graphics sequence goes through here.
"""

from __future__ import annotations

ESC = "\x1b"


def wrap_for_tmux(sequence: str) -> str:
    """`sequence` inside tmux's passthrough DCS, its ESCs doubled."""
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ESC}\\"
