"""The terminals `bench/terminals.py` runs the app in, and how each one is started.

Each setup is a terminal emulator (with its options), the environment the app sees inside it
(TERM and COLORTERM as that terminal, or an SSH session, leaves them) and, for tmux, whether
`allow-passthrough` is on. Every terminal gets the same font, DejaVu Sans Mono at about 15 px, and
160×48 cells, at the top left of the X screen.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

COLUMNS, ROWS = 160, 48
FONT = "DejaVu Sans Mono"
FONT_POINTS = 11  # xterm and kitty take points; mlterm takes pixels (15 px at 96 dpi)
# `xterm -ti vt340` (379, Debian's) answers XTSMGRAPHICS with 1024 Sixel colour registers, though
# man xterm's numColorRegisters table says 16 for a VT340; 256 is what users set, and what
# img2sixel and most encoders use.
XTERM_SIXEL = ["-ti", "vt340", "-xrm", "XTerm*numColorRegisters: 256"]


@dataclass(frozen=True)
class Setup:
    """One terminal to run the app in."""

    name: str
    terminal: str  # xterm, kitty, mlterm
    options: tuple[str, ...] = ()  # the terminal's own options
    env: dict[str, str | None] = field(default_factory=dict)  # in the shell: None unsets
    tmux_passthrough: bool | None = None  # None: no tmux
    about: str = ""  # what the setup stands for

    @property
    def programs(self) -> tuple[str, ...]:
        """The executables it needs."""
        return (self.terminal, "tmux") if self.tmux_passthrough is not None else (self.terminal,)


SETUPS = (
    Setup(
        "xterm-sixel",
        "xterm",
        tuple(XTERM_SIXEL),
        {"TERM": "xterm-256color", "COLORTERM": "truecolor"},
        about="xterm -ti vt340, 256 colour registers",
    ),
    Setup(
        "xterm-sixel-1024",
        "xterm",
        ("-ti", "vt340"),
        {"TERM": "xterm-256color", "COLORTERM": "truecolor"},
        about="xterm -ti vt340 as it comes: 1024 colour registers (its XTSMGRAPHICS answer)",
    ),
    Setup(
        "xterm",
        "xterm",
        (),
        {"TERM": "xterm-256color", "COLORTERM": "truecolor"},
        about="xterm without Sixel, COLORTERM=truecolor",
    ),
    Setup(
        "xterm-ssh",
        "xterm",
        (),
        {"TERM": "xterm-256color", "COLORTERM": None},
        about="as over SSH: TERM=xterm-256color, no COLORTERM",
    ),
    Setup("kitty", "kitty", (), {}, about="kitty as it starts (TERM=xterm-kitty)"),
    Setup("mlterm", "mlterm", (), {}, about="mlterm as it starts (TERM=mlterm, no COLORTERM)"),
    Setup(
        "tmux",
        "xterm",
        tuple(XTERM_SIXEL),
        {"COLORTERM": "truecolor"},
        tmux_passthrough=False,
        about="tmux in xterm -ti vt340, allow-passthrough off (tmux's default)",
    ),
    Setup(
        "tmux-passthrough",
        "xterm",
        tuple(XTERM_SIXEL),
        {"COLORTERM": "truecolor"},
        tmux_passthrough=True,
        about="tmux in xterm -ti vt340, allow-passthrough on",
    ),
)


def missing(setup: Setup) -> list[str]:
    """The programs `setup` needs that are not installed."""
    return [program for program in setup.programs if shutil.which(program) is None]


def version(program: str) -> str:
    """The program's version as it prints it ("XTerm(379)", "kitty 0.26.5"), or "?"."""
    flag = {"tmux": "-V", "xterm": "-version"}.get(program, "--version")
    try:
        done = subprocess.run(
            [program, flag], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    lines = (done.stdout or done.stderr).strip().splitlines()
    if not lines:
        return "?"
    first = lines[0].replace(" created by Kovid Goyal", "").replace(" version", "")
    return first.strip()


def terminal_argv(setup: Setup, script: Path, tmux_socket: str, tmux_conf: Path) -> list[str]:
    """The command that opens the terminal running `script` (inside tmux when the setup says)."""
    inner = ["sh", str(script)]
    if setup.tmux_passthrough is not None:
        inner = [
            "tmux",
            "-L",
            tmux_socket,
            "-f",
            str(tmux_conf),
            "new-session",
            "sh " + str(script),
        ]
    size = f"{COLUMNS}x{ROWS}"
    if setup.terminal == "xterm":
        font = ["-fa", FONT, "-fs", str(FONT_POINTS)]
        return ["xterm", *font, "-geometry", f"{size}+0+0", *setup.options, "-e", *inner]
    if setup.terminal == "kitty":
        options = {
            "font_family": FONT,
            "font_size": str(FONT_POINTS),
            "remember_window_size": "no",
            "initial_window_width": f"{COLUMNS}c",
            "initial_window_height": f"{ROWS}c",
            "linux_display_server": "x11",
            "update_check_interval": "0",
        }
        flags = [item for key, value in options.items() for item in ("-o", f"{key}={value}")]
        return ["kitty", "--config", "NONE", *flags, *setup.options, *inner]
    if setup.terminal == "mlterm":
        return ["mlterm", "-g", f"{size}+0+0", "-w", "15", *setup.options, "-e", *inner]
    raise ValueError(f"no way to start {setup.terminal}")


def tmux_config(setup: Setup) -> str:
    """The tmux.conf for a tmux setup: a common one, with passthrough as the setup says."""
    passthrough = "on" if setup.tmux_passthrough else "off"
    return (
        'set -g default-terminal "tmux-256color"\n'
        f"set -g allow-passthrough {passthrough}\n"
        "set -g exit-empty on\n"
    )
