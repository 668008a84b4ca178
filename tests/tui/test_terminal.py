"""The terminal around the app: image protocol choice, probing guards, piped stdin, a real pty."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from fluxtui.tui.image_support import backend_named
from fluxtui.tui.widgets.halfcell import HalfcellImage, fitted

PYTHON = sys.executable


def test_backends_that_never_probe():
    assert backend_named("none").factory is None
    halfcell = backend_named("halfcell")
    assert halfcell.protocol == "halfcell"
    assert isinstance(halfcell.factory(Path("x.png")), HalfcellImage)


def test_halfcell_fits_keeping_the_aspect_ratio():
    from textual.geometry import Size

    assert fitted((1024, 768), Size(40, 40)) == (40, 30)  # 40 columns, 30 half-cell rows
    assert fitted((768, 1024), Size(40, 10)) == (15, 20)
    assert fitted((0, 0), Size(40, 10)) == (0, 0)


def _pty(rows: int, columns: int) -> tuple[int, int]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    return master, slave


def _read_until(master: int, needle: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    return seen


def _wait_reading(master: int, child: subprocess.Popen, timeout: float) -> int | None:
    """Wait for the child, reading what it writes (a full pty would block it)."""
    deadline = time.monotonic() + timeout
    while child.poll() is None and time.monotonic() < deadline:
        _read_until(master, b"\0never", timeout=0.1)
    return child.poll()


@pytest.mark.parametrize(("rows", "columns"), [(24, 80), (0, 0)])
def test_probe_in_a_terminal_that_never_answers(rows, columns):
    """textual-image (Unicode blocks) asks the terminal; nobody answers (or the pty has no size)."""
    master, slave = _pty(rows, columns)
    code = (
        "from fluxtui.tui.image_support import backend_named; b = backend_named('unicode'); "
        "print('PROTOCOL', b.protocol, flush=True)"
    )
    child = subprocess.Popen(
        [PYTHON, "-c", code], stdin=slave, stdout=slave, stderr=slave, start_new_session=True
    )
    os.close(slave)
    try:
        output = _read_until(master, b"PROTOCOL", timeout=20)
        assert child.wait(timeout=20) == 0, output
        output += _read_until(master, b"\n", timeout=1)
    finally:
        child.kill()
        os.close(master)
    assert b"PROTOCOL unicode" in output or b"PROTOCOL halfcell" in output
    assert b"Traceback" not in output  # textual-image's complaints stay off the terminal


def test_no_terminal_at_all_is_refused_with_words():
    done = subprocess.run(
        [PYTHON, "-m", "fluxtui"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        start_new_session=True,
    )
    assert done.returncode == 2
    assert "needs a terminal" in done.stderr and "Traceback" not in done.stderr


def test_app_in_a_real_pty_with_stdin_piped():
    """`echo … | fluxtui` in a terminal: keys come from the terminal, the demo opens, ctrl+q quits."""
    master, slave = _pty(30, 100)

    def controlling_terminal() -> None:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    env = {**os.environ, "TERM": "xterm-256color"}
    child = subprocess.Popen(
        [PYTHON, "-m", "fluxtui"],
        stdin=subprocess.PIPE,
        stdout=slave,
        stderr=slave,
        preexec_fn=controlling_terminal,
        env=env,
    )
    child.stdin.write(b"piped text\n")
    child.stdin.close()
    os.close(slave)
    try:
        screen = _read_until(master, b"simulator, no keys", timeout=20)
        assert b"simulator, no keys" in screen, screen[-2000:]
        os.write(master, b"\x11")  # ctrl+q
        assert _wait_reading(master, child, timeout=20) == 0
    finally:
        child.kill()
        os.close(master)
