"""The terminals `bench/terminals.py` runs the app in, and how each one is started.

Each setup is a terminal emulator (with its options), the environment the app sees inside it
(TERM and COLORTERM as that terminal, or an SSH session, leaves them) and, for tmux, whether
`allow-passthrough` is on. Every terminal gets the same font, DejaVu Sans Mono at about 15 px, and
160×48 cells, at the top left of the X screen.

Debian 12 has kitty 0.26 (no Unicode placeholders) and tmux 3.3 (no Sixel); the setups that need
kitty 0.28+ or tmux 3.4+ built with Sixel take them from FLUXTUI_BENCH_KITTY / FLUXTUI_BENCH_TMUX
(the executable's path), else the newest /opt/kitty-*/bin/kitty, /opt/tmux-*/bin/tmux (where a
source build installs them); without one the setup is skipped, saying why.
"""

from __future__ import annotations

import os
import re
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
    newer: tuple[str, ...] = ()  # programs it needs newer than Debian's: "kitty", "tmux"

    @property
    def programs(self) -> tuple[str, ...]:
        """The executables it needs."""
        return (self.terminal, "tmux") if self.tmux_passthrough is not None else (self.terminal,)

    def executable(self, program: str) -> str:
        """The path or name to run `program` (kitty, tmux, xterm …) by in this setup."""
        if program in self.newer:
            return newer_program(program) or program
        return program


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
    Setup(
        "kitty-new",
        "kitty",
        (),
        {},
        about="kitty 0.28+ (Unicode placeholders) as it starts",
        newer=("kitty",),
    ),
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
    Setup(
        "tmux-sixel",
        "xterm",
        tuple(XTERM_SIXEL),
        {"COLORTERM": "truecolor"},
        tmux_passthrough=False,
        about="tmux 3.4+ built with Sixel in xterm -ti vt340, allow-passthrough off",
        newer=("tmux",),
    ),
    Setup(
        "tmux-sixel-passthrough",
        "xterm",
        tuple(XTERM_SIXEL),
        {"COLORTERM": "truecolor"},
        tmux_passthrough=True,
        about="tmux 3.4+ built with Sixel in xterm -ti vt340, allow-passthrough on",
        newer=("tmux",),
    ),
    Setup(
        "tmux-sixel-no-outer",
        "xterm",
        (),
        {"COLORTERM": "truecolor"},
        tmux_passthrough=True,
        about="tmux 3.4+ built with Sixel in xterm without Sixel, allow-passthrough on",
        newer=("tmux",),
    ),
    Setup(
        "tmux-in-kitty",
        "kitty",
        (),
        {},
        tmux_passthrough=True,
        about="tmux 3.4+ in kitty 0.28+, allow-passthrough on (Kitty graphics as yazi sends it)",
        newer=("kitty", "tmux"),
    ),
)

#: the oldest version each newer program must have, and what it brings
NEWER = {"kitty": ((0, 28), "Unicode placeholders"), "tmux": ((3, 4), "Sixel")}


def newer_program(program: str) -> str | None:
    """kitty or tmux newer than Debian's: FLUXTUI_BENCH_KITTY/_TMUX, else the newest in /opt."""
    chosen = os.environ.get(f"FLUXTUI_BENCH_{program.upper()}")
    if chosen:
        return chosen
    found = sorted(
        Path("/opt").glob(f"{program}-*/bin/{program}"),
        key=lambda path: _numbers(path.parent.parent.name),
    )
    return str(found[-1]) if found else None


def missing(setup: Setup) -> list[str]:
    """Why `setup` cannot run: each program it needs that is not installed (or too old)."""
    lacking = []
    for program in setup.programs:
        path = setup.executable(program)
        found = shutil.which(path) is not None
        if program not in setup.newer:
            lacking += [] if found else [program]
            continue
        at_least, brings = NEWER[program]
        if found and _numbers(version(path)) >= at_least:
            continue
        wanted = ".".join(map(str, at_least))
        have = f" ({path} is {version(path)})" if found else ""
        lacking.append(
            f"{program} ≥ {wanted} ({brings}){have}: set FLUXTUI_BENCH_{program.upper()} "
            f"or install it in /opt/{program}-{wanted}"
        )
    return lacking


def _numbers(text: str) -> tuple[int, ...]:
    """The first version in `text` as numbers: "tmux 3.4" → (3, 4), "kitty-0.31" → (0, 31)."""
    match = re.search(r"\d+(?:\.\d+)*", text)
    return tuple(int(part) for part in match.group().split(".")) if match else ()


def version(program: str) -> str:
    """The program's version as it prints it ("XTerm(379)", "kitty 0.26.5"), or "?"."""
    flag = {"tmux": "-V", "xterm": "-version"}.get(Path(program).name, "--version")
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
            setup.executable("tmux"),
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
        return [setup.executable("kitty"), "--config", "NONE", *flags, *setup.options, *inner]
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
