"""The app started in a scripted terminal: the probe's colour depth reaches Textual; bad settings
stop it before it starts."""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
import termios
import time

import pytest

from fluxtui.term import queries
from fluxtui.tui.launch import find_out
from tests.term import scripted
from tests.term.scripted import ScriptedTerminal

PYTHON = sys.executable
#: an xterm that reads a 24-bit colour back, and draws no graphics (so textual-image stays out)
XTERM_TRUECOLOR = {**scripted.XTERM_PLAIN, "\x1bP$qm\x1b\\": "\x1bP1$r0;38:2::1:2:3m\x1b\\"}


def spawn_app(path: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`fluxtui` with the scripted terminal at `path` as its controlling terminal."""

    def controlling_terminal() -> None:
        fd = os.open(path, os.O_RDWR)
        fcntl.ioctl(fd, termios.TIOCSCTTY, 0)
        for target in (0, 1, 2):
            os.dup2(fd, target)
        os.close(fd)

    return subprocess.Popen(
        [PYTHON, "-m", "fluxtui"],
        start_new_session=True,
        preexec_fn=controlling_terminal,
        env={**os.environ, "TERM": "xterm-256color", **env},
    )


def wait_for(terminal: ScriptedTerminal, text: bytes, since: int = 0) -> None:
    """Until the app has written `text` (after the first `since` bytes of its output)."""
    deadline = time.monotonic() + 30
    while text not in terminal.output[since:] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert text in terminal.output[since:], bytes(terminal.output[-2000:])


def run_app(terminal: ScriptedTerminal, path: str, env: dict[str, str]) -> bytes:
    """`fluxtui` on the scripted terminal until it has painted, then ctrl+q; what it wrote."""
    child = spawn_app(path, env)
    try:
        wait_for(terminal, b"simulator, no keys")
        os.write(terminal.master, b"\x11")  # ctrl+q
        assert child.wait(timeout=30) == 0
    finally:
        child.kill()
        child.wait()
    return bytes(terminal.output)


class LateTerminal(ScriptedTerminal):
    """Answers nothing within the probe's deadline: the test sends its answers later."""

    def answer(self, batch: str) -> str:
        return ""


def test_answers_that_come_after_the_probe_are_not_typed_into_the_prompt() -> None:
    """kitty 0.26's answers arrive once the app runs; then a word is typed: the prompt shows the
    word, and nothing of the answers."""
    terminal = LateTerminal(scripted.SILENT)
    with scripted.scripted(terminal, rows=30, columns=100) as path:
        child = spawn_app(path, {"COLORTERM": "truecolor"})
        try:
            wait_for(terminal, b"simulator, no keys")
            painted = len(terminal.output)
            late = "".join(scripted.KITTY_026.values())
            os.write(terminal.master, late.encode())
            os.write(terminal.master, b"zebra")
            wait_for(terminal, b"zebra", since=painted)
            os.write(terminal.master, b"\x11")  # ctrl+q
            assert child.wait(timeout=30) == 0
        finally:
            child.kill()
            child.wait()
    text = re.sub(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]", b"", bytes(terminal.output[painted:]))
    assert b"zebra" in text
    for leaked in (b"kitty", b">|", b"Gi=31", b"?62", b"4000;26", b"6;20;10"):
        assert leaked not in text, text[-2000:]


@pytest.mark.parametrize(
    ("env", "colours"),
    [({}, "truecolor"), ({"FLUXTUI_COLOR": "256"}, "256"), ({"FLUXTUI_COLOR": "16"}, "16")],
)
def test_a_terminal_that_reads_24_bit_colour_back_gets_it(
    env: dict[str, str], colours: str
) -> None:
    """TERM says 256 colours and COLORTERM is unset (as over SSH): the read-back decides, unless
    FLUXTUI_COLOR says otherwise."""
    terminal = ScriptedTerminal(XTERM_TRUECOLOR)
    with scripted.scripted(terminal, rows=30, columns=100) as path:
        output = run_app(terminal, path, {"COLORTERM": "", **env})
    assert terminal.asked[0].endswith(queries.DA1)  # asked before Textual drew anything
    assert (b"\x1b[38;2;" in output) is (colours == "truecolor")
    assert (b"\x1b[38;5;" in output) is (colours == "256")
    assert b"\x1b[3" in output  # 16 colours: SGR 30-37 (and 90-97)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FLUXTUI_COLOR": "millions"}, "FLUXTUI_COLOR 'millions' is not one of auto, truecolor"),
        ({"FLUXTUI_IMAGE_PROTOCOL": "kitty"}, "FLUXTUI_IMAGE_PROTOCOL 'kitty' is not one of"),
    ],
)
def test_a_bad_setting_stops_the_app_before_it_starts(env: dict[str, str], message: str) -> None:
    done = subprocess.run(
        [PYTHON, "-m", "fluxtui"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        start_new_session=True,
        env={**os.environ, **env},
    )
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_bad_colour_in_the_config_names_its_key(tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[tui]\ncolor = "rgb"\n')
    done = subprocess.run(
        [PYTHON, "-m", "fluxtui"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        start_new_session=True,
        env={**os.environ, "FLUXTUI_CONFIG": str(config)},
    )
    assert done.returncode == 2
    assert "[tui] color 'rgb' is not one of auto, truecolor, 256, 16" in done.stderr


def test_nothing_is_asked_when_images_are_off_and_the_colours_set() -> None:
    terminal = ScriptedTerminal(scripted.KITTY_035)
    with scripted.scripted(terminal) as path:
        report, choice = find_out("none", ("16", "[tui] color"), tty_path=path, env={})
        assert not report.asked and terminal.asked == []
        assert (choice.protocol, choice.colors) == ("none", "16")
        report, choice = find_out("halfcell", ("16", "[tui] color"), tty_path=path, env={})
    assert report.asked and report.cell_px == (10, 20)  # still asked: the cell size
    assert choice.protocol == "halfcell"
