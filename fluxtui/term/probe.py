"""Ask the controlling terminal what it is and what it draws, in one write, within a deadline.

`probe_terminal()` talks to /dev/tty (so it works with stdout redirected; stdin and stdout when
there is no /dev/tty but both are terminals), in raw mode restored on the way out, whatever
happens. Every question goes out at once with DA1 last: every terminal answers DA1, so its answer
says all the others are in; a terminal that answers nothing costs the deadline (90 ms; 200 ms over
SSH, where answers cross the network). Under tmux the terminal outside is asked through tmux's
passthrough, and tmux itself for its version and `allow-passthrough`.

Keys typed during the probe are put back into the terminal's input (TIOCSTI) where the system
allows it; where not (Linux 6.2+ by default), they are dropped and the report says how many.
What is in the input before the questions go out is read first: its keys are given back the same
way, and an earlier probe's late answers (`fluxtui doctor` run just before) are kept apart: they
stand in only when this probe's own answers are late too (then still owed, and dropped by the app
when they come), so they never end its wait nor pass for its answers.
Answers still owed at the deadline are counted in the report (`owed`): the app takes them out of
its input when they come (`fluxtui.term.late_answers`), so they are never typed into the prompt.
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import sys
import termios
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from fluxtui.core.text import inert
from fluxtui.term import identify
from fluxtui.term.queries import Answers, parse, questions
from fluxtui.term.report import TerminalReport, Tmux

if TYPE_CHECKING:
    from fluxtui.term.tmux_ask import TmuxFacts, TmuxQuestion

#: how long a terminal that answers nothing holds up the start
TIMEOUT_S = 0.09
#: the same over SSH, where every answer crosses the network first
REMOTE_TIMEOUT_S = 0.2


@dataclass(frozen=True)
class _Terminal:
    read_fd: int
    write_fd: int
    owned: bool  # opened here: closed here


def probe_terminal(
    *,
    timeout_s: float | None = None,
    tty_path: str | None = None,
    env: Mapping[str, str] | None = None,
) -> TerminalReport:
    """What the terminal answered (or did not); never waits past the deadline.

    `timeout_s` None: 90 ms, 200 ms over SSH. `tty_path` asks that terminal instead of /dev/tty
    (the tests' scripted pty); `env` stands for os.environ.
    """
    return ask_terminal(timeout_s=timeout_s, tty_path=tty_path, env=env).answers()


class Asking:
    """The questions are out (the terminal in raw mode), the answers not read yet: what the
    start-up does meanwhile (importing Textual) hides the wait for them. Call `answers()` once,
    whatever happens in between: it reads them and puts the terminal's mode back."""

    def __init__(
        self,
        env: Mapping[str, str],
        timeout_s: float,
        started: float,
        terminal: _Terminal | None = None,
        tmux: TmuxQuestion | None = None,
        sent: tuple[list[Any] | None, bytes, list[str]] = (None, b"", []),
    ) -> None:
        self._env, self._timeout_s, self._started = env, timeout_s, started
        self._terminal, self._tmux = terminal, tmux
        self._saved, self._stale, self._notes = sent
        self._report: TerminalReport | None = None

    def answers(self) -> TerminalReport:
        """The report: answers read until the deadline (counted from when they were asked)."""
        if self._report is not None:
            return self._report
        terminal, env, notes = self._terminal, self._env, list(self._notes)
        if terminal is None:
            self._report = unasked(env, notes[0] if notes else "")
            return self._report
        try:
            facts = self._tmux.facts() if self._tmux is not None else None
            # under tmux, tmux answers DA1 first and the terminal outside after it (if passthrough)
            in_tmux = bool(env.get("TMUX"))
            wanted = 2 if in_tmux and (facts is None or facts.passthrough is not False) else 1
            data, read_notes = _collect(
                terminal, self._saved, self._stale, self._started + self._timeout_s, wanted
            )
            notes += read_notes
            winsize = _winsize(terminal.write_fd)
        finally:
            if terminal.owned:
                os.close(terminal.read_fd)
        elapsed_ms = (time.perf_counter() - self._started) * 1000  # asked → read
        answers = parse(data)
        owed = max(0, wanted - len(answers.da1))
        if not answers.da1:
            notes.append(f"the terminal did not answer DA1 within {self._timeout_s * 1000:.0f} ms")
        if owed and self._stale:  # the same terminal's answers to the same questions, come late
            # (under tmux: the outer terminal's, after tmux's own DA1 this probe did get)
            earlier = parse(data + self._stale)
            if len(earlier.da1) >= wanted:
                answers = earlier
                notes.append(
                    "answers to an earlier probe, which came after that one's deadline, stand in"
                )
        if answers.unknown:
            notes.append(f"{answers.unknown} answer(s) could not be read")
        report = _report(env, answers, facts, winsize, elapsed_ms, notes)
        self._report = replace(report, owed=owed)
        return self._report


def ask_terminal(
    *,
    timeout_s: float | None = None,
    tty_path: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Asking:
    """Send every question now (and ask tmux, under tmux); `answers()` reads what came back.
    The arguments are `probe_terminal`'s."""
    env = os.environ if env is None else env
    started = time.perf_counter()
    if timeout_s is None:
        remote = bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY"))
        timeout_s = REMOTE_TIMEOUT_S if remote else TIMEOUT_S
    terminal = _open(tty_path)
    if terminal is None:
        note = "no terminal to ask (no /dev/tty; stdin and stdout are not both one)"
        return Asking(env, timeout_s, started, sent=(None, b"", [note]))
    in_tmux = bool(env.get("TMUX"))
    try:
        tmux = None
        if in_tmux:
            from fluxtui.term.tmux_ask import TmuxQuestion  # only under tmux

            tmux = TmuxQuestion(env)
        sent = _send(terminal, questions(tmux=in_tmux))
    except BaseException:
        if terminal.owned:
            os.close(terminal.read_fd)
        raise
    return Asking(env, timeout_s, started, terminal, tmux, sent)


def _open(tty_path: str | None) -> _Terminal | None:
    try:
        fd = os.open(tty_path or "/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        if tty_path is not None:
            return None
        stdin, stdout = sys.__stdin__, sys.__stdout__
        if stdin is None or stdout is None or not (stdin.isatty() and stdout.isatty()):
            return None
        return _Terminal(stdin.fileno(), stdout.fileno(), owned=False)
    if not os.isatty(fd):
        os.close(fd)
        return None
    return _Terminal(fd, fd, owned=True)


def _send(terminal: _Terminal, payload: bytes) -> tuple[list[Any] | None, bytes, list[str]]:
    """Put the terminal in raw mode and write `payload`: the mode to put back (None: the
    terminal was left as it was, and the note says why), and what was in its input before."""
    fd = terminal.read_fd
    try:
        saved = termios.tcgetattr(fd)
    except termios.error as exc:
        return None, b"", [f"the terminal could not be put in raw mode ({exc.args[-1]})"]
    try:
        raw = termios.tcgetattr(fd)
        raw[0] &= ~(termios.ICRNL | termios.IXON)
        raw[3] &= ~(termios.ECHO | termios.ICANON | termios.IEXTEN)  # ISIG stays: ctrl+c works
        raw[6][termios.VMIN], raw[6][termios.VTIME] = 0, 0
        termios.tcsetattr(fd, termios.TCSANOW, raw)
        stale = _pending(fd)  # keys typed ahead, and late answers to an earlier probe
        _write_all(terminal.write_fd, payload)
    except OSError as exc:
        termios.tcsetattr(fd, termios.TCSANOW, saved)
        return None, b"", [f"asking the terminal failed: {inert(exc.strerror or str(exc))}"]
    except BaseException:
        termios.tcsetattr(fd, termios.TCSANOW, saved)
        raise
    return saved, stale, []


def _collect(
    terminal: _Terminal, saved: list[Any] | None, stale: bytes, deadline: float, wanted: int
) -> tuple[bytes, list[str]]:
    """Read until `wanted` DA1 answers are in or the deadline passes (what arrived meanwhile
    is read at once); the terminal's mode is put back however this ends (KeyboardInterrupt
    too). The keys typed ahead (in `stale`) or meanwhile are given back."""
    if saved is None:
        return b"", []
    fd = terminal.read_fd
    data = b""
    try:
        while True:
            left = max(0.0, deadline - time.perf_counter())
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
            if len(parse(data).da1) >= wanted:
                break
    except OSError as exc:
        return data, [f"asking the terminal failed: {inert(exc.strerror or str(exc))}"]
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)
    return data, _give_back(fd, parse(stale).keys + parse(data).keys)


def _pending(fd: int) -> bytes:
    """What is in the terminal's input before the questions go out (read without waiting): keys
    typed ahead, and an earlier probe's late answers (`fluxtui doctor` just before)."""
    pending = b""
    while select.select([fd], [], [], 0)[0]:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        pending += chunk
    return pending


def _write_all(fd: int, payload: bytes) -> None:
    while payload:
        payload = payload[os.write(fd, payload) :]


def _give_back(fd: int, keys: bytes) -> list[str]:
    """Put the keys typed during the probe back into the terminal's input, where allowed."""
    for at in range(len(keys)):
        try:
            fcntl.ioctl(fd, termios.TIOCSTI, keys[at : at + 1])
        except OSError:
            return [f"{len(keys) - at} byte(s) typed during the probe were dropped"]
    return []


def _winsize(fd: int) -> tuple[int, int, int, int]:
    """Rows, columns, width and height in pixels (zeros where the terminal does not say)."""
    try:
        packed = fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8)
    except OSError:
        return 0, 0, 0, 0
    rows, columns, width, height = struct.unpack("HHHH", packed)
    return rows, columns, width, height


def unasked(env: Mapping[str, str] | None = None, note: str = "") -> TerminalReport:
    """A report from the environment alone: the terminal was not asked (`note` says why)."""
    env = os.environ if env is None else env
    name, version = identify.from_environment(env)
    tmux = Tmux(version=_tmux_version(env, None), passthrough=None) if env.get("TMUX") else None
    if tmux is not None and name == "tmux":
        name, version = None, None
    return TerminalReport(
        *_env_fields(env),
        name=name,
        version=version,
        xtversion=None,
        tmux=tmux,
        notes=(note,) if note else (),
    )


def _env_fields(env: Mapping[str, str]) -> tuple[str, str, str]:
    """TERM, TERM_PROGRAM (with its version) and COLORTERM, inert."""
    program = " ".join(
        part for part in (env.get("TERM_PROGRAM", ""), env.get("TERM_PROGRAM_VERSION", "")) if part
    )
    term_program = inert(program) if env.get("TERM_PROGRAM") else ""
    return inert(env.get("TERM", "")), term_program, inert(env.get("COLORTERM", ""))


def _tmux_version(env: Mapping[str, str], facts: TmuxFacts | None) -> str | None:
    if facts is not None and facts.version:
        return facts.version
    if env.get("TERM_PROGRAM") == "tmux":
        return inert(env.get("TERM_PROGRAM_VERSION", "")) or None
    return None


def _report(
    env: Mapping[str, str],
    answers: Answers,
    facts: TmuxFacts | None,
    winsize: tuple[int, int, int, int],
    elapsed_ms: float,
    notes: list[str],
) -> TerminalReport:
    in_tmux = bool(env.get("TMUX"))
    own = [text for text in answers.xtversions if text.strip().lower().startswith("tmux")]
    outer = [text for text in answers.xtversions if text not in own]
    xtversion = outer[0] if outer else (None if in_tmux or not own else own[0])
    if xtversion is not None:
        name, version = identify.from_xtversion(xtversion)
    elif in_tmux:
        name, version = None, None  # the terminal outside did not answer through passthrough
    else:
        name, version = identify.from_da2(answers.da2)
        if name is None:
            name, version = identify.from_environment(env)
    tmux = None
    if in_tmux:
        tmux = _tmux(env, answers, facts, own, answered_outside=bool(outer) or len(answers.da1) > 1)
    cell_px, cell_source = _cell(answers, winsize)
    answered = bool(
        answers.da1
        or answers.xtversions
        or answers.da2
        or answers.kitty_graphics is not None
        or answers.cell_px
        or answers.window_px
        or answers.sixel_registers
    )
    return TerminalReport(
        *_env_fields(env),
        name=name,
        version=version,
        xtversion=inert(xtversion) if xtversion is not None else None,
        da1=answers.da1[0] if answers.da1 else (),
        tmux=tmux,
        truecolor_answered=answers.truecolor_readback or answers.rgb_capability,
        cell_px=cell_px,
        cell_px_source=cell_source,
        sixel_registers=answers.sixel_registers,
        kitty_graphics=answers.kitty_graphics is True,
        answered=answered,
        asked=True,
        elapsed_ms=elapsed_ms,
        notes=tuple(notes),
    )


def _tmux(
    env: Mapping[str, str],
    answers: Answers,
    facts: TmuxFacts | None,
    own: list[str],
    *,
    answered_outside: bool,
) -> Tmux:
    version = facts.version if facts is not None else None
    if version is None and own:  # tmux's own XTVERSION, then TERM_PROGRAM_VERSION
        version = identify.from_xtversion(own[0])[1]
    version = version or _tmux_version(env, None)
    passthrough = facts.passthrough if facts is not None else None
    if passthrough is None and answered_outside:
        passthrough = True  # answers came back through it
    own_da1 = answers.da1[0] if answers.da1 else ()
    outer_da1 = answers.da1[1] if len(answers.da1) > 1 else ()
    outer_sixel = facts.sixel if facts is not None else (4 in outer_da1 if outer_da1 else None)
    return Tmux(
        version=version,
        passthrough=passthrough,
        sixel=4 in own_da1 and identify.version_tuple(version) >= (3, 4),
        outer_da1=outer_da1,
        outer_sixel=outer_sixel,
        rgb=facts.rgb if facts is not None else False,
    )


def _cell(
    answers: Answers, winsize: tuple[int, int, int, int]
) -> tuple[tuple[int, int] | None, str]:
    """One cell's pixel size, and where it came from: CSI 16 t, TIOCGWINSZ, then CSI 14 t."""
    rows, columns, width, height = winsize
    if answers.cell_px:
        return answers.cell_px, "CSI 16 t"
    if rows and columns and width and height and width >= columns and height >= rows:
        return (width // columns, height // rows), "TIOCGWINSZ"
    if rows and columns and answers.window_px:
        window_w, window_h = answers.window_px
        if window_w >= columns and window_h >= rows:
            return (window_w // columns, window_h // rows), "CSI 14 t"
    return None, ""
