"""How long `fluxtui` takes from process start to its first paint, in demo mode, in a real pty.

The app runs in a pseudo-terminal as a user's shell would start it; the clock stops when the
first frame (which carries the header "demo — simulator, no keys") reaches the terminal. Nobody
answers the terminal's graphics queries here, so `--image-protocol auto` shows the worst case
(every textual-image probe waits for its timeout); `halfcell` skips the probes.

Baselines in the same run: `python -c pass` and `python -c "import textual.app"` (start to exit).

    python bench/tui_startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time

MARKER = b"simulator, no keys"
TIMEOUT_S = 30.0


def _environment(home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_KEY")}
    env.update(
        {
            f"XDG_{name}_HOME": os.path.join(home, name.lower())
            for name in ("CONFIG", "DATA", "CACHE", "STATE")
        }
    )
    env["TERM"] = "xterm-256color"
    return env


def time_to_exit(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True)
    return time.perf_counter() - start


def time_to_first_paint(argv: list[str], env: dict[str, str]) -> float:
    """Seconds from spawning `argv` in a 40×120 pty until MARKER is on the terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))

    def controlling_terminal() -> None:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    start = time.perf_counter()
    child = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, preexec_fn=controlling_terminal
    )
    os.close(slave)
    seen = b""
    painted = None
    try:
        while painted is None and time.perf_counter() - start < TIMEOUT_S:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                seen += os.read(master, 1 << 16)
                if MARKER in seen:
                    painted = time.perf_counter() - start
        os.write(master, b"\x11")  # ctrl+q
        _drain_until_exit(master, child)
    finally:
        child.kill()
        os.close(master)
    if painted is None:
        raise RuntimeError(f"no first paint within {TIMEOUT_S:g}s: {argv}")
    return painted


def _drain_until_exit(master: int, child: subprocess.Popen[bytes]) -> None:
    """Keep reading the terminal (a full pty would block the app's writes) until the app exits."""
    deadline = time.perf_counter() + TIMEOUT_S
    while child.poll() is None and time.perf_counter() < deadline:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                os.read(master, 1 << 16)
            except OSError:
                break
    child.wait(timeout=1)


def summary(name: str, times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    return (
        f"{name:<44} median {statistics.median(ms):7.0f} ms   "
        f"min {ms[0]:6.0f} ms   max {ms[-1]:6.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    python = sys.executable
    with tempfile.TemporaryDirectory() as home:
        env = _environment(home)
        rows = [
            ("python -c pass (to exit)", lambda: time_to_exit([python, "-c", "pass"])),
            (
                "python -c 'import textual.app' (to exit)",
                lambda: time_to_exit([python, "-c", "import textual.app"]),
            ),
            (
                "fluxtui --demo, halfcell (to first paint)",
                lambda: time_to_first_paint(
                    [python, "-m", "fluxtui", "--demo", "--image-protocol", "halfcell"], env
                ),
            ),
            (
                "fluxtui --demo, auto, unanswered probes",
                lambda: time_to_first_paint([python, "-m", "fluxtui", "--demo"], env),
            ),
        ]
        print(f"{runs} runs each, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        for name, measure in rows:
            measure()  # warm the file cache and the bytecode
            print(summary(name, [measure() for _ in range(runs)]), flush=True)


if __name__ == "__main__":
    main()
