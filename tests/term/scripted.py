"""A scripted terminal on a pty: a thread on the master side answers the probe like a real one.

Each profile is what one terminal answers to each question (question bytes → answer bytes).
`ScriptedTmux` plays tmux in front of an outer terminal: it answers the questions itself, passes
the ones wrapped in passthrough to the outer profile when passthrough is on (their answers come
after tmux's own, as tmux 3.3a sends them) and drops them when it is off.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import termios
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from fluxtui.term import queries

Profile = Mapping[str, str]
ST = "\x1b\\"
_WRAPPED = re.compile(r"\x1bPtmux;(.*?)\x1b\\", re.S)


def _xtversion(text: str) -> str:
    return f"\x1bP>|{text}{ST}"


KITTY_026: Profile = {
    queries.XTVERSION: _xtversion("kitty(0.26.5)"),
    queries.DA2: "\x1b[>1;4000;26c",
    queries.KITTY_GRAPHICS: f"\x1b_Gi=31;OK{ST}",
    queries.CELL_SIZE: "\x1b[6;20;10t",
    queries.DA1: "\x1b[?62;c",
}
KITTY_035: Profile = {
    **KITTY_026,
    queries.XTVERSION: _xtversion("kitty(0.35.2)"),
    "\x1bP$qm" + ST: f"\x1bP1$r0;38:2:1:2:3m{ST}",
    queries.XTGETTCAP: f"\x1bP1+r524742=382F382F38{ST}",
}
XTERM_SIXEL: Profile = {
    queries.XTVERSION: _xtversion("XTerm(379)"),
    queries.DA2: "\x1b[>41;379;0c",
    queries.WINDOW_SIZE: "\x1b[4;480;800t",
    "\x1bP$qm" + ST: f"\x1bP1$r0;38:2::1:2:3m{ST}",
    queries.XTGETTCAP: f"\x1bP0+r524742{ST}",
    queries.SIXEL_REGISTERS: "\x1b[?1;0;1024S",
    queries.DA1: "\x1b[?63;1;2;4;6;9;15;22c",
}
XTERM_PLAIN: Profile = {
    queries.DA2: "\x1b[>41;330;0c",  # too old for XTVERSION
    "\x1bP$qm" + ST: f"\x1bP0$r{ST}",
    queries.DA1: "\x1b[?63;1;2;6;9;15;22c",
}
WEZTERM: Profile = {
    queries.XTVERSION: _xtversion("WezTerm 20240203-110809-5046fc22"),
    queries.KITTY_GRAPHICS: f"\x1b_Gi=31;OK{ST}",
    queries.CELL_SIZE: "\x1b[6;18;9t",
    queries.DA1: "\x1b[?65;4;6;18;22c",
}
KONSOLE: Profile = {
    queries.XTVERSION: _xtversion("Konsole 24.02.1"),
    queries.DA2: "\x1b[>1;115;0c",
    queries.KITTY_GRAPHICS: f"\x1b_Gi=31;OK{ST}",
    queries.DA1: "\x1b[?62;1;4c",
}
SILENT: Profile = {}
GARBAGE: Profile = {
    queries.XTVERSION: "\x1bP>|\x1b]0;pwned\x07kitty(9",  # never ends
    queries.DA2: "\x1b[>;;;;;;c\x1bP!!\x1b\\",
    queries.CELL_SIZE: "\x1b[6;0;-1t\x1b[6;;t",
    queries.KITTY_GRAPHICS: "\x1b_Gi=31\x1b\\\x1b_Xnope\x1b\\",
    queries.DA1: "\x1b[?6\xff2;c",
}
TMUX_33 = {
    queries.XTVERSION: _xtversion("tmux 3.3a"),
    queries.DA2: "\x1b[>84;0;0c",
    queries.DA1: "\x1b[?1;2c",
}
TMUX_34_SIXEL = {
    queries.XTVERSION: _xtversion("tmux 3.4"),
    queries.DA2: "\x1b[>84;0;0c",
    queries.DA1: "\x1b[?1;2;4c",
}


@dataclass
class ScriptedTerminal:
    """Answers from `profile`; under `tmux`, tmux answers and passes wrapped questions to `outer`
    when `passthrough`. `typed` is written first, as if a key were pressed during the probe."""

    profile: Profile
    outer: Profile | None = None
    passthrough: bool = False
    typed: str = ""
    asked: list[str] = field(default_factory=list)  # every batch of questions received
    output: bytearray = field(default_factory=bytearray)  # everything written to the terminal
    master: int = -1  # the pty's master side, while it is open: what a test types goes there

    def answer(self, batch: str) -> str:
        wrapped = _WRAPPED.findall(batch)
        plain = _WRAPPED.sub("", batch)
        own = [self.profile[q] for q in _in_order(plain, self.profile)]
        later: list[str] = []
        if self.outer is not None and self.passthrough:
            for inner in wrapped:
                question = inner.replace("\x1b\x1b", "\x1b")
                later += [self.outer[question]] if question in self.outer else []
        return self.typed + "".join(own + later)


def _in_order(batch: str, profile: Profile) -> list[str]:
    """The profile's questions found in `batch`, in the order they were asked."""
    found = [(batch.find(question), question) for question in profile if question in batch]
    return [question for _, question in sorted(found)]


@contextmanager
def scripted(terminal: ScriptedTerminal, rows: int = 24, columns: int = 80) -> Iterator[str]:
    """A pty answering as `terminal`; yields the slave's path for `probe_terminal(tty_path=…)`."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    terminal.master = master
    stop = threading.Event()

    def serve() -> None:
        seen = ""
        while not stop.is_set():
            ready, _, _ = select.select([master], [], [], 0.02)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            terminal.output += chunk
            seen += chunk.decode("utf-8", "replace")
            if _WRAPPED.sub("", seen).endswith(queries.DA1):  # the whole batch is in
                terminal.asked.append(seen)
                reply = terminal.answer(seen)
                if reply:
                    os.write(master, reply.encode("utf-8", "surrogateescape"))
                seen = ""
            seen = seen[-4096:]  # an app drawing goes on writing: keep the end only

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield os.ttyname(slave)
    finally:
        stop.set()
        thread.join()
        os.close(master)
        os.close(slave)
