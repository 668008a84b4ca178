"""The probe over a real pty, against scripted terminals that answer like real ones (or not)."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import termios
import threading
import time
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest

from fluxtui.term.probe import ask_terminal, probe_terminal
from fluxtui.term.report import TerminalReport
from tests.system_tools import require
from tests.term import scripted
from tests.term.scripted import ScriptedTerminal

ENV = {"TERM": "xterm-256color"}
TMUX_ENV = {
    "TERM": "tmux-256color",
    "TMUX": "/nonexistent/tmux-socket,1,0",  # no server: the probe learns from the answers
    "TERM_PROGRAM": "tmux",
    "TERM_PROGRAM_VERSION": "3.3a",
}


def probe(terminal: ScriptedTerminal, env: dict[str, str] = ENV, **size: int) -> TerminalReport:
    with scripted.scripted(terminal, **size) as path:
        return probe_terminal(tty_path=path, env=env)


def test_kitty_0_26() -> None:
    report = probe(ScriptedTerminal(scripted.KITTY_026))
    assert (report.name, report.version, report.xtversion) == ("kitty", "0.26.5", "kitty(0.26.5)")
    assert report.kitty_graphics and report.da1 == (62,)
    assert report.cell_px == (10, 20) and report.cell_px_source == "CSI 16 t"
    assert not report.truecolor_answered
    assert report.answered and report.asked and report.tmux is None
    assert report.notes == ()


def test_kitty_0_35_reads_the_colour_back() -> None:
    report = probe(ScriptedTerminal(scripted.KITTY_035))
    assert (report.name, report.version) == ("kitty", "0.35.2")
    assert report.truecolor_answered


def test_xterm_with_sixel() -> None:
    report = probe(ScriptedTerminal(scripted.XTERM_SIXEL))
    assert (report.name, report.version) == ("XTerm", "379")
    assert 4 in report.da1 and report.sixel_registers == 1024
    assert report.truecolor_answered and not report.kitty_graphics
    assert report.cell_px == (10, 20) and report.cell_px_source == "CSI 14 t"  # 800x480 / 80x24


def test_xterm_without_sixel_or_xtversion_is_known_by_da2() -> None:
    report = probe(ScriptedTerminal(scripted.XTERM_PLAIN))
    assert (report.name, report.version, report.xtversion) == ("xterm", "330", None)
    assert 4 not in report.da1 and not report.truecolor_answered and report.cell_px is None


def test_wezterm_and_konsole() -> None:
    wezterm = probe(ScriptedTerminal(scripted.WEZTERM))
    assert wezterm.name == "WezTerm" and wezterm.kitty_graphics and wezterm.cell_px == (9, 18)
    konsole = probe(ScriptedTerminal(scripted.KONSOLE))
    assert konsole.name == "Konsole" and konsole.kitty_graphics and 4 in konsole.da1


def test_the_pty_s_pixel_size_is_a_cell_size_too() -> None:
    terminal = ScriptedTerminal(scripted.XTERM_PLAIN)
    with scripted.scripted(terminal) as path:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        try:
            import fcntl
            import struct

            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 720, 432))
        finally:
            os.close(fd)
        report = probe_terminal(tty_path=path, env=ENV)
    assert report.cell_px == (9, 18) and report.cell_px_source == "TIOCGWINSZ"


def test_a_terminal_that_never_answers() -> None:
    terminal = ScriptedTerminal(scripted.SILENT)
    report = probe(terminal)
    assert terminal.asked, "the questions were written"
    assert report.asked and not report.answered
    assert report.name is None and report.da1 == () and report.cell_px is None
    assert any("did not answer DA1" in note for note in report.notes)
    assert report.owed == 1  # its answers, if they come later, are taken out of the app's input


def test_what_is_owed_counts_each_batch_not_answered() -> None:
    assert probe(ScriptedTerminal(scripted.KITTY_035)).owed == 0
    # tmux answers its own DA1; the outer terminal's, through passthrough, does not come
    silent_outside = ScriptedTerminal(scripted.TMUX_33, outer=scripted.SILENT, passthrough=True)
    assert probe(silent_outside, TMUX_ENV).owed == 1
    assert probe(ScriptedTerminal(scripted.SILENT), TMUX_ENV).owed == 2


def test_garbage_answers_are_noted_and_made_inert() -> None:
    report = probe(ScriptedTerminal(scripted.GARBAGE))
    assert report.da1 == () and report.cell_px is None and not report.kitty_graphics
    assert any("could not be read" in note for note in report.notes)
    for text in (report.name, report.version, report.xtversion, *report.notes):
        assert text is None or ("\x1b" not in text and "\x07" not in text)


def test_the_terminal_s_mode_is_put_back() -> None:
    terminal = ScriptedTerminal(scripted.KITTY_035)
    with scripted.scripted(terminal) as path:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        try:
            before = termios.tcgetattr(fd)
            probe_terminal(tty_path=path, env=ENV)
            assert termios.tcgetattr(fd) == before
        finally:
            os.close(fd)


def test_keys_typed_during_the_probe_are_given_back_or_counted() -> None:
    terminal = ScriptedTerminal(scripted.KITTY_035, typed="ab")
    with scripted.scripted(terminal) as path:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            report = probe_terminal(tty_path=path, env=ENV)
            tty.setcbreak(
                fd, termios.TCSANOW
            )  # read what is in the input queue without waiting for a newline
            given_back = os.read(fd, 16) if select.select([fd], [], [], 0.5)[0] else b""
        finally:
            os.close(fd)
    assert report.da1 == (62,)
    dropped = [note for note in report.notes if "typed during the probe" in note]
    # TIOCSTI puts them back where the kernel lets it (not on Linux 6.2+ without privileges)
    assert given_back == b"ab" or dropped == ["2 byte(s) typed during the probe were dropped"]


def test_an_earlier_probe_s_late_answers_do_not_pass_for_this_one_s() -> None:
    """`fluxtui doctor`'s answers came after it ended; the app's probe asks again and waits for
    its own (the early ones would end its wait at their DA1, leaving its own for the prompt)."""
    terminal = ScriptedTerminal(scripted.KITTY_035)
    with scripted.scripted(terminal) as path:
        os.write(terminal.master, "".join(scripted.KITTY_026.values()).encode())
        report = probe_terminal(tty_path=path, env=ENV)
    assert (report.name, report.version) == ("kitty", "0.35.2")
    assert report.owed == 0 and report.truecolor_answered
    assert not any("typed during the probe" in note for note in report.notes)


def test_an_earlier_probe_s_late_answers_stand_in_when_this_one_s_are_late_too() -> None:
    """A terminal slower than the deadline every time (kitty on a software renderer): the doctor's
    answers, come since, tell who it is; this probe's own are still owed (the app drops them)."""
    terminal = ScriptedTerminal(scripted.SILENT)
    with scripted.scripted(terminal) as path:
        os.write(terminal.master, "".join(scripted.KITTY_035.values()).encode())
        report = probe_terminal(tty_path=path, env=ENV)
    assert (report.name, report.version) == ("kitty", "0.35.2") and report.answered
    assert report.owed == 1
    assert any("earlier probe" in note for note in report.notes)


def test_under_tmux_the_outer_terminal_s_late_answers_stand_in_for_it() -> None:
    terminal = ScriptedTerminal(scripted.TMUX_33, outer=scripted.SILENT, passthrough=True)
    late = "".join(scripted.KITTY_035[q] for q in ("\x1b[>0q", "\x1b[c"))
    with scripted.scripted(terminal) as path:
        os.write(terminal.master, late.encode())  # they passed tmux after the doctor's deadline
        report = probe_terminal(tty_path=path, env=TMUX_ENV)
    assert (report.name, report.version) == ("kitty", "0.35.2")
    assert report.tmux is not None and report.tmux.outer_da1 == (62,)
    assert report.da1 == (1, 2) and report.owed == 1


def test_no_terminal_is_not_asked(tmp_path: Path) -> None:
    not_a_tty = tmp_path / "file"
    not_a_tty.write_text("")
    report = probe_terminal(tty_path=str(not_a_tty), env=ENV)
    assert not report.asked and not report.answered
    assert report.term == "xterm-256color"


def test_tmux_3_3a_with_passthrough_asks_the_terminal_outside() -> None:
    terminal = ScriptedTerminal(scripted.TMUX_33, outer=scripted.KITTY_035, passthrough=True)
    report = probe(terminal, TMUX_ENV)
    assert "\x1bPtmux;\x1b\x1b[>0q\x1b\\" in terminal.asked[0]
    unwrapped = re.sub(r"\x1bPtmux;.*?\x1b\\", "", terminal.asked[0].replace("\x1b\x1b", ""))
    assert "\x1b_" not in unwrapped  # tmux would make an APC the pane's title
    assert (report.name, report.version, report.xtversion) == ("kitty", "0.35.2", "kitty(0.35.2)")
    assert report.da1 == (1, 2)  # tmux's own
    assert report.tmux is not None
    assert report.tmux.version == "3.3a" and report.tmux.passthrough is True
    assert report.tmux.outer_da1 == (62,) and not report.tmux.sixel


def test_tmux_3_3a_without_passthrough() -> None:
    terminal = ScriptedTerminal(scripted.TMUX_33, outer=scripted.KITTY_035, passthrough=False)
    report = probe(terminal, TMUX_ENV)
    assert report.name is None and report.xtversion is None
    assert report.tmux is not None
    assert report.tmux.version == "3.3a" and report.tmux.passthrough is None
    assert report.tmux.outer_da1 == () and report.answered


def test_tmux_3_4_with_sixel() -> None:
    terminal = ScriptedTerminal(scripted.TMUX_34_SIXEL, outer=scripted.XTERM_SIXEL)
    report = probe(terminal, {**TMUX_ENV, "TERM_PROGRAM_VERSION": "3.4"})
    assert report.tmux is not None
    assert report.tmux.version == "3.4" and report.tmux.sixel
    assert report.tmux.outer_sixel is None  # no passthrough, no tmux server to ask


@pytest.mark.parametrize(
    ("outer", "draws"), [(scripted.XTERM_SIXEL, True), (scripted.XTERM_PLAIN, False)]
)
def test_tmux_3_4_tells_from_the_outer_da1_whether_the_terminal_outside_draws_sixel(
    outer: scripted.Profile, draws: bool
) -> None:
    terminal = ScriptedTerminal(scripted.TMUX_34_SIXEL, outer=outer, passthrough=True)
    report = probe(terminal, {**TMUX_ENV, "TERM_PROGRAM_VERSION": "3.4"})
    assert report.tmux is not None and report.tmux.sixel
    assert report.tmux.outer_sixel is draws


@pytest.fixture
def tmux_server(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A real tmux server with allow-passthrough off, and the environment of a pane in it."""
    tmux = require("tmux")
    socket = str(tmp_path / "tmux.sock")
    base = [tmux, "-S", socket, "-f", os.devnull]
    subprocess.run([*base, "new-session", "-d", "-x", "80", "-y", "24", "sleep 60"], check=True)
    try:
        subprocess.run([*base, "set", "-g", "allow-passthrough", "off"], check=True)
        pid, pane = subprocess.run(
            [*base, "display-message", "-p", "#{pid} #{pane_id}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        yield {
            **TMUX_ENV,
            "TMUX": f"{socket},{pid},0",
            "TMUX_PANE": pane,
            "PATH": os.environ["PATH"],
        }
    finally:
        subprocess.run([*base, "kill-server"], check=False, capture_output=True)


def test_tmux_tells_its_own_allow_passthrough(tmux_server: dict[str, str]) -> None:
    """With passthrough known to be off, the probe stops at tmux's DA1 and says it is off."""
    terminal = ScriptedTerminal(scripted.TMUX_33, outer=scripted.KITTY_035, passthrough=False)
    report = probe(terminal, tmux_server)
    assert report.tmux is not None
    assert report.tmux.passthrough is False and report.tmux.version == "3.3a"
    assert report.tmux.outer_sixel is False  # a detached session's client has no features
    assert report.notes == ()


class InterruptingTerminal(ScriptedTerminal):
    """Answers nothing: Ctrl-C is pressed (SIGINT to the main thread) as its questions arrive,
    so the interrupt lands while the probe reads, whatever the machine's load."""

    def answer(self, batch: str) -> str:
        main = threading.main_thread().ident
        assert main is not None
        signal.pthread_kill(main, signal.SIGINT)
        return ""


def test_the_mode_is_put_back_when_ctrl_c_stops_the_probe() -> None:
    terminal = InterruptingTerminal(scripted.SILENT)
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C raises here
    try:
        with scripted.scripted(terminal) as path:
            fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
            try:
                before = termios.tcgetattr(fd)
                with pytest.raises(KeyboardInterrupt):
                    probe_terminal(tty_path=path, env=ENV, timeout_s=30)
                assert termios.tcgetattr(fd) == before
                assert terminal.asked  # the questions were out when Ctrl-C came
            finally:
                os.close(fd)
    finally:
        signal.signal(signal.SIGINT, handler)


def test_answers_that_came_while_the_app_imported_are_read_afterwards() -> None:
    """`ask_terminal` sends the questions; the start-up imports Textual (here: sleeps past the
    deadline); `answers()` then reads what the terminal said meanwhile and puts the mode back."""
    terminal = ScriptedTerminal(scripted.KITTY_035)
    with scripted.scripted(terminal) as path:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        try:
            before = termios.tcgetattr(fd)
            asking = ask_terminal(tty_path=path, env=ENV, timeout_s=0.05)
            asked = termios.tcgetattr(fd)
            time.sleep(0.3)  # the import of Textual
            report = asking.answers()
            assert termios.tcgetattr(fd) == before
        finally:
            os.close(fd)
    assert not asked[3] & termios.ECHO  # raw while the answers come: they are not echoed
    assert (report.name, report.version) == ("kitty", "0.35.2") and report.da1 == (62,)
    assert asking.answers() is report  # read once
