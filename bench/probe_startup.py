"""What asking the terminal adds to start-up: the probe in a pty that never answers, in one that
answers at once (like kitty 0.35), and under tmux with passthrough, against an empty baseline.

    python bench/probe_startup.py [--runs 30]

The baseline opens and closes the pty as the probe does, and asks nothing. Prints medians (the
machines are shared) and the time each adds to the baseline; the target is at most 100 ms added
in a terminal that never answers. Also the import of the probe, in a fresh interpreter.
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from fluxtui.term import queries
from fluxtui.term.probe import probe_terminal

KITTY = (
    b"\x1bP>|kitty(0.35.2)\x1b\\\x1b[>1;4000;35c\x1b_Gi=31;OK\x1b\\\x1b[6;20;10t"
    b"\x1bP1$r0;38:2:1:2:3m\x1b\\\x1b[?62;c"
)
TMUX = b"\x1bP>|tmux 3.3a\x1b\\\x1b[>84;0;0c\x1b[?1;2c" + b"\x1bP>|kitty(0.35.2)\x1b\\\x1b[?62;c"
TMUX_ENV = {"TERM": "tmux-256color", "TMUX": "/nonexistent,1,0", "TERM_PROGRAM": "tmux"}


@contextmanager
def terminal(answer: bytes) -> Iterator[str]:
    """A pty whose master side answers every batch of questions with `answer` (b"": never)."""
    master, slave = pty.openpty()
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            if select.select([master], [], [], 0.01)[0]:
                try:
                    batch = os.read(master, 65536)
                except OSError:
                    return
                if answer and batch.endswith(queries.DA1.encode()):
                    os.write(master, answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield os.ttyname(slave)
    finally:
        stop.set()
        thread.join()
        os.close(master)
        os.close(slave)


def baseline(path: str) -> None:
    os.close(os.open(path, os.O_RDWR | os.O_NOCTTY))


def median_ms(call: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def import_ms(runs: int) -> tuple[float, float]:
    """A fresh interpreter importing the config (as `fluxtui` does first), then the config and
    the probe: what importing the probe adds to the app's start (medians, ms)."""

    def run(code: str) -> Callable[[], object]:
        return lambda: subprocess.run([sys.executable, "-c", code], check=True)

    config = "import fluxtui.core.config"
    return median_ms(run(config), runs), median_ms(run(config + ", fluxtui.term.probe"), runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    env = {"TERM": "xterm-256color"}
    results: dict[str, float] = {}
    with terminal(b"") as path:
        results["baseline (open the pty, ask nothing)"] = median_ms(
            lambda: baseline(path), args.runs
        )
        results["never answers"] = median_ms(
            lambda: probe_terminal(tty_path=path, env=env), args.runs
        )
    with terminal(KITTY) as path:
        results["answers at once (kitty 0.35)"] = median_ms(
            lambda: probe_terminal(tty_path=path, env=env), args.runs
        )
    with terminal(TMUX) as path:
        results["tmux, passthrough on (no tmux server)"] = median_ms(
            lambda: probe_terminal(tty_path=path, env=TMUX_ENV), args.runs
        )
    base = results["baseline (open the pty, ask nothing)"]
    print(f"{'probe':<40} {'median':>9} {'added':>9}")
    for name, value in results.items():
        print(f"{name:<40} {value:>7.1f}ms {value - base:>7.1f}ms")
    bare, probe_import = import_ms(max(5, args.runs // 3))
    print(f"{'import the config':<40} {bare:>7.1f}ms")
    name = "import the config, then the probe"
    print(f"{name:<40} {probe_import:>7.1f}ms {probe_import - bare:>7.1f}ms")
    added = results["never answers"] - base
    verdict = "within" if added <= 100 else "OVER"
    print(f"never answers: {added:.1f} ms added, {verdict} the 100 ms target")


if __name__ == "__main__":
    main()
