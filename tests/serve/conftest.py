"""`fluxtui serve` as a user starts it: a subprocess on a free loopback port, isolated XDG dirs
(the autouse fixture's), stopped with Ctrl-C (SIGINT) at the end."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

LINK = re.compile(r"open (http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]+))")
STOP_S = 30  # a bound on Ctrl-C, not a pause


def the_one_job_file(prompt: str) -> Path:
    """The image file of the one job in the (isolated) store, which must be `prompt`'s, done."""
    history = subprocess.run(
        [sys.executable, "-m", "fluxtui", "history", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    (job,) = [json.loads(line) for line in history.stdout.splitlines()]
    assert (job["prompt"], job["state"]) == (prompt, "done")
    (file,) = job["files"]
    return Path(file)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    """A running `fluxtui serve`: its process, the link it printed, and what it said."""

    process: subprocess.Popen[str]
    url: str
    port: int
    token: str
    banner: str

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def websocket(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/{self.token}"

    def app_pids(self) -> list[int]:
        """The app processes it runs (its children), one per open browser session."""
        return children(self.process.pid)

    def interrupt(self) -> tuple[int, str, str]:
        """Ctrl-C: the exit code and the rest of stdout and stderr."""
        self.process.send_signal(signal.SIGINT)
        out, err = self.process.communicate(timeout=STOP_S)
        return self.process.returncode, out, err


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # ended meanwhile
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def start(*flags: str) -> Served:
    port = free_port()
    command = [sys.executable, "-m", "fluxtui", "serve", "--port", str(port), *flags]
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()  # printed once the port listens
    match = LINK.search(first)
    if not match:
        process.kill()
        _, err = process.communicate(timeout=STOP_S)
        raise AssertionError(f"fluxtui serve did not print its link: {first!r} {err!r}")
    banner = process.stderr.readline()
    return Served(process, match[1], int(match[2]), match[3], first + banner)


def stop(served: Served) -> None:
    """Ctrl-C, if it still runs; then its pipes are read to the end and closed."""
    if served.process.poll() is None:
        served.process.send_signal(signal.SIGINT)
    try:
        served.process.communicate(timeout=STOP_S)
    except subprocess.TimeoutExpired:
        served.process.kill()
        served.process.communicate()


@pytest.fixture
def served() -> Iterator[Served]:
    """`fluxtui serve --demo` on a free port."""
    running = start("--demo")
    yield running
    stop(running)
