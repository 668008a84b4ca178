"""The app's dealings with the system around it: the image viewer, the clipboard, the title."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import subprocess
import sys
from pathlib import Path

VIEWER_WAIT_S = 10.0


def viewer_command() -> str:
    return "open" if sys.platform == "darwin" else "xdg-open"


async def open_in_viewer(path: Path) -> str | None:
    """Open `path` with the system's viewer; None when it went, else why it did not, in words.

    Runs the opener as a child process in its own session; never blocks the event loop.
    """
    if not path.exists():
        return f"{path} does not exist any more"
    if sys.platform == "win32":
        try:
            os.startfile(path)  # type: ignore[attr-defined]
        except OSError as exc:
            return f"no viewer for {path}: {exc}"
        return None
    opener = viewer_command()
    if shutil.which(opener) is None:
        return f"{opener} is not installed, so there is no system viewer here; y copies the path"
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return "no graphical display here (over SSH?): y copies the path instead"
    process = await asyncio.create_subprocess_exec(
        opener,
        str(path),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _, errors = await asyncio.wait_for(process.communicate(), VIEWER_WAIT_S)
    except TimeoutError:
        return None  # the viewer is still open: it went
    if process.returncode:
        words = " ".join(errors.decode(errors="replace").split())[:200]
        return f"{opener} failed (exit {process.returncode})" + (f": {words}" if words else "")
    return None


def tmux_clipboard(text: str) -> str | None:
    """OSC 52 wrapped for tmux's passthrough (reaches the outer terminal when tmux allows it)."""
    if not os.environ.get("TMUX"):
        return None
    payload = base64.b64encode(text.encode()).decode()
    return f"\x1bPtmux;\x1b\x1b]52;c;{payload}\x07\x1b\\"


def set_title(title: str) -> str:
    """The escape sequence that sets the terminal window title."""
    clean = "".join(ch for ch in title if ch.isprintable())
    return f"\x1b]2;{clean}\x07"


PUSH_TITLE = "\x1b[22;0t"  # save the terminal's own title (xterm and most others)
POP_TITLE = "\x1b[23;0t"  # and restore it on exit
