"""How long `fluxtui` takes from process start to its first paint, in demo mode, in a real pty.

The app runs in a pseudo-terminal as a user's shell would start it; the clock stops when the
first frame (which carries the header "demo — simulator, no keys") reaches the terminal. The pty
either never answers the probe's questions (a terminal that answers nothing: the probe's
deadline is the worst case) or answers them at once as kitty 0.35 does (the baseline: the ratio
is the silent terminal's first paint over it). Also the app's CPU time at its first paint (what
a loaded machine inflates least).

Baselines in the same run: `python -c pass` and `python -c "import textual.app"` (start to exit),
and a bare Textual app (a Header and one line of text) to its first paint in the same pty: the
ratio of each row to it is what fluxtui adds to Textual's own start.

The package measured is compiled to bytecode first, as pip does when it installs it: with
PYTHONDONTWRITEBYTECODE set, a checkout's bytecode is never written and every start would compile
each module again (about 1.7 s of CPU on the 2-core machine of bench/README.md).

The CPU time read when the frame reaches the terminal also holds what the app did after painting
it until this process read it (on a loaded machine, some of the engine's start). `--phases` runs
the silent row once more under a hook that reads the app's own CPU time at the frame itself
(`App._display`), and when it starts importing Textual and calls `App.run`: where the time goes.

    python bench/tui_startup.py [--runs 10] [--phases]
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
DA1 = b"\x1b[c"  # the probe's last question (fluxtui.term.queries.DA1)
BARE_APP = """
from textual.app import App
from textual.widgets import Header, Static


class Bare(App):
    def compose(self):
        yield Header()
        yield Static("demo - simulator, no keys")


Bare().run()
"""
PHASES = """
import os, runpy, sys, time

marks = {}


def patch(app_module):
    run, display = app_module.App.run, app_module.App._display

    def timed_run(self, *args, **kwargs):
        marks.setdefault("App.run", time.process_time())
        return run(self, *args, **kwargs)

    def first_frame(self, screen, renderable):
        display(self, screen, renderable)
        if renderable is not None and "frame" not in marks:
            marks["frame"] = time.process_time()
            with open(os.environ["PHASES_OUT"], "w") as out:
                out.write(" ".join(str(marks[k]) for k in ("textual", "App.run", "frame")))

    app_module.App.run, app_module.App._display = timed_run, first_frame


class Watch:
    def find_spec(self, name, path, target=None):
        if name == "textual":
            marks.setdefault("textual", time.process_time())
        if name == "textual.app":
            sys.meta_path.remove(self)
            import importlib.util

            spec = importlib.util.find_spec(name)
            load = spec.loader.exec_module

            def exec_module(module):
                load(module)
                patch(module)

            spec.loader.exec_module = exec_module
            return spec
        return None


sys.meta_path.insert(0, Watch())
if sys.argv[1] == "-m":
    sys.argv = sys.argv[2:]
    runpy.run_module(sys.argv[0], run_name="__main__")
else:
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")
"""
PHASE_NAMES = ("before Textual", "Textual and the app imported, app built", "App.run to the frame")
KITTY = (
    b"\x1bP>|kitty(0.35.2)\x1b\\\x1b[>1;4000;35c\x1b_Gi=31;OK\x1b\\\x1b[6;20;10t"
    b"\x1bP1$r0;38:2:1:2:3m\x1b\\\x1b[?62;c"
)


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


def compile_package(python: str, env: dict[str, str]) -> None:
    """Write the bytecode of the fluxtui that `python` imports (with `env`), as pip would."""
    where = subprocess.run(
        [python, "-c", "import fluxtui, os; print(os.path.dirname(fluxtui.__file__))"],
        env=env,
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run([python, "-m", "compileall", "-q", where], check=True, stdout=subprocess.DEVNULL)


def time_to_exit(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True)
    return time.perf_counter() - start


def time_to_first_paint(
    argv: list[str], env: dict[str, str], answer: bytes = b"", cpu: list[float] | None = None
) -> float:
    """Seconds from spawning `argv` in a 40×120 pty until MARKER is on the terminal; the pty
    answers the probe's questions with `answer` (b"": never); the app's CPU seconds then go in
    `cpu`."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))

    def controlling_terminal() -> None:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    start = time.perf_counter()
    child = subprocess.Popen(  # cwd: the checkout on PYTHONPATH is the one measured
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        preexec_fn=controlling_terminal,
        cwd=tempfile.gettempdir(),
    )
    os.close(slave)
    seen = b""
    painted = None
    try:
        while painted is None and time.perf_counter() - start < TIMEOUT_S:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                chunk = os.read(master, 1 << 16)
                if answer and DA1 in chunk and DA1 not in seen:
                    os.write(master, answer)
                seen += chunk
                if MARKER in seen:
                    painted = time.perf_counter() - start
                    if cpu is not None:
                        cpu.append(_cpu_s(child.pid))
        os.write(master, b"\x11")  # ctrl+q
        _drain_until_exit(master, child)
    finally:
        child.kill()
        os.close(master)
    if painted is None:
        raise RuntimeError(f"no first paint within {TIMEOUT_S:g}s: {argv}")
    return painted


def _cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def summary(name: str, times: list[float], cpu: list[float] | None = None) -> str:
    ms = sorted(t * 1000 for t in times)
    line = (
        f"{name:<46} median {statistics.median(ms):7.0f} ms   "
        f"min {ms[0]:6.0f} ms   max {ms[-1]:6.0f} ms"
    )
    if cpu:
        line += f"   CPU {statistics.median(cpu) * 1000:5.0f} ms"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--phases", action="store_true", help="also the app's CPU by phase")
    options = parser.parse_args()
    runs = options.runs
    python = sys.executable
    app = [python, "-m", "fluxtui", "--demo", "--image-protocol", "halfcell"]
    with tempfile.TemporaryDirectory() as home:
        env = _environment(home)
        compile_package(python, env)
        bare = os.path.join(home, "bare_app.py")
        with open(bare, "w") as script:
            script.write(BARE_APP)
        print(f"{runs} runs each, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        for name, argv in (
            ("python -c pass (to exit)", [python, "-c", "pass"]),
            ("python -c 'import textual.app' (to exit)", [python, "-c", "import textual.app"]),
        ):
            time_to_exit(argv)  # warm the file cache and the bytecode
            print(summary(name, [time_to_exit(argv) for _ in range(runs)]), flush=True)
        rows = [
            ("a bare Textual app (baseline)", [python, bare], b""),
            ("answers at once (kitty), halfcell", app, KITTY),
            ("never answers, halfcell", app, b""),
            ("never answers, auto", [python, "-m", "fluxtui", "--demo"], b""),
        ]
        medians: dict[str, float] = {}
        time_to_first_paint(app, env)  # warm up
        results: dict[str, tuple[list[float], list[float]]] = {n: ([], []) for n, _, _ in rows}
        for _ in range(runs):  # interleaved: a busy moment hits every row alike
            for name, argv, answer in rows:
                times, cpu = results[name]
                times.append(time_to_first_paint(argv, env, answer, cpu))
        for name, (times, cpu) in results.items():
            medians[name] = statistics.median(times)
            print(summary(name + " (to first paint)", times, cpu), flush=True)
        base, base_cpu = medians[rows[0][0]], statistics.median(results[rows[0][0]][1])
        for name, _, _ in rows[1:]:
            added = (medians[name] - base) * 1000
            cpu = statistics.median(results[name][1])
            print(
                f"{name}: ×{medians[name] / base:4.2f} the bare app ({added:+.0f} ms), "
                f"CPU ×{cpu / base_cpu:4.2f} ({(cpu - base_cpu) * 1000:+.0f} ms)"
            )
        if options.phases:
            print_phases(python, env, home, bare, app[1:], runs)


def print_phases(
    python: str, env: dict[str, str], home: str, bare: str, app: list[str], runs: int
) -> None:
    """The app's own CPU time at the first frame, by phase, against the bare app's (medians)."""
    hook = os.path.join(home, "phases.py")
    with open(hook, "w") as script:
        script.write(PHASES)
    out = os.path.join(home, "phases.txt")
    rows = {
        "a bare Textual app": [python, hook, bare],
        "never answers, halfcell": [python, hook, *app],
    }
    marks: dict[str, list[list[float]]] = {name: [] for name in rows}
    for _ in range(runs):
        for name, argv in rows.items():
            time_to_first_paint(argv, {**env, "PHASES_OUT": out})
            with open(out) as got:
                marks[name].append([float(mark) for mark in got.read().split()])
    medians = {
        name: [statistics.median(column) for column in zip(*seen, strict=True)]
        for name, seen in marks.items()
    }
    print("the app's CPU time at its first frame, by phase (medians, ms):")
    for name, (textual, run, frame) in medians.items():
        phases = (textual, run - textual, frame - run)
        parts = "   ".join(
            f"{label} {ms * 1000:5.0f}" for label, ms in zip(PHASE_NAMES, phases, strict=True)
        )
        print(f"  {name:<24} {parts}   total {frame * 1000:5.0f}")
    (_, _, base), (_, _, frame) = medians.values()
    print(
        f"  CPU at the frame: ×{frame / base:4.2f} the bare app ({(frame - base) * 1000:+.0f} ms)"
    )


if __name__ == "__main__":
    main()
