"""ctrl+j pressed N times in the app, in tmux, against a simulator in another process (or in demo
mode, on the app's own simulator): the time from each press to the job in the store, the first 10
against the last 10 (the baseline is the first 10 of the same run), and the app's RSS and the
growth over the 10 presses up to each count asked for (`--rss-at`).

The app runs in a detached tmux server of its own (its socket named here, killed at the end) at
120×40, with keys for every provider pointed at `fluxtui sim` on free ports; the prompt holds its
jobs in the simulator's queue, so every job started stays live. The jobs go to the form's
provider (fal), whose caps on jobs in flight (the provider's, and the catalog's 24 for its
default model) are raised to the most allowed (256): beyond that many they wait in the app for a
slot. In demo mode the cap stays fal's default (16).

    python bench/tui_tmux_submits.py [--presses 500] [--rss-at 100,300,500] [--demo]

It runs on any checkout: `PYTHONPATH=OTHER_CHECKOUT` measures another one (e.g. the baseline
of a branch).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROMPT = "a slow fox in the snow [[sim: queue=3600]]"
BANNER = re.compile(r"on (http://[0-9.:]+) \(cluster and delivery: (http://[0-9.:]+)\)")
KEYS = {"comet": "COMETAPI_KEY", "bfl": "BFL_API_KEY", "fal": "FAL_KEY"}
PREFIXES = {"comet": "/comet", "bfl": "/bfl", "fal": "/fal"}
MODELS = {"comet": "flux-pro-1.1", "bfl": "flux-pro-1.1", "fal": "fal-ai/flux/dev"}  # the forms'
LIMIT_S = 60.0
CAP = 256  # jobs in flight per provider: the most the config allows (fal's default is 16)


def tmux(socket: str, *args: str) -> str:
    done = subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, check=True)
    return done.stdout


def wait(condition, what: str, limit_s: float = LIMIT_S):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.002)
    raise RuntimeError(f"gave up waiting for {what}")


def jobs_in(store: Path) -> int:
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # the store is being made


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=500)
    parser.add_argument("--rss-at", default="100,300,500", help="press counts to read the RSS at")
    parser.add_argument("--demo", action="store_true", help="demo mode: the app's own simulator")
    args = parser.parse_args()
    rss_at = {int(n) for n in args.rss_at.split(",") if n}
    home = Path(tempfile.mkdtemp(prefix="fluxtui-tmux-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.endswith("_KEY") and k != "TMUX"}
    env.update(
        {f"XDG_{n}_HOME": str(home / n.lower()) for n in ("CONFIG", "DATA", "CACHE", "STATE")}
    )
    env["TERM"] = "xterm-256color"
    store = home / "data" / "fluxtui" / "jobs.sqlite3"
    sim = None
    if not args.demo:
        sim = subprocess.Popen(
            [sys.executable, "-m", "fluxtui", "sim", "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=home,
        )
        assert sim.stdout is not None
        found = BANNER.search(sim.stdout.readline())
        assert found, "the simulator did not say where it listens"
        config = home / "config" / "fluxtui" / "config.toml"
        config.parent.mkdir(parents=True)
        lines = [
            f'[providers.{p}]\nbase_url = "{found[1]}{PREFIXES[p]}"\nconcurrency = {CAP}\n'
            f'model_concurrency = {{ "{MODELS[p]}" = {CAP} }}\n'
            for p in KEYS
        ]
        config.write_text("\n".join(lines))
        env.update({variable: "sim-key" for variable in KEYS.values()})
    socket = f"fluxtui-bench-{os.getpid()}"
    argv = [sys.executable, "-m", "fluxtui", "--image-protocol", "halfcell"]
    if args.demo:
        argv.append("--demo")
    command = shlex.join(["env", "-i", *(f"{k}={v}" for k, v in env.items()), *argv])
    tmux(
        socket,
        "new-session",
        "-d",
        "-c",  # not a checkout: the one on PYTHONPATH is the one measured
        str(home),
        "-x",
        "120",
        "-y",
        "40",
        "exec " + command,
    )
    try:
        pid = int(tmux(socket, "display-message", "-p", "#{pane_pid}").strip())  # env execs it
        wait(lambda: "Generate" in tmux(socket, "capture-pane", "-p"), "the app to paint")
        time.sleep(2)  # the engine opens (and in demo mode the simulator starts)
        tmux(socket, "send-keys", "-l", PROMPT)
        times: list[float] = []
        rss: dict[int, float] = {}
        for press in range(1, args.presses + 1):
            before = jobs_in(store)
            start = time.perf_counter()
            tmux(socket, "send-keys", "C-j")
            wait(lambda: jobs_in(store) > before, f"job {press} in the store")  # noqa: B023
            times.append((time.perf_counter() - start) * 1000)
            if press in rss_at:
                rss[press] = rss_mb(pid)
        first, last = statistics.median(times[:10]), statistics.median(times[-10:])
        mode = "demo mode (the app's simulator)" if args.demo else "simulator in another process"
        print(f"{args.presses} × ctrl+j in tmux, {mode}, {os.cpu_count()} CPUs")
        print(f"ctrl+j → job in the store: first 10 median {first:6.1f} ms (baseline)")
        print(f"                           last 10 median  {last:6.1f} ms")
        print(f"growth {last - first:+6.1f} ms   ratio ×{last / first:4.2f}")
        for press, value in sorted(rss.items()):
            near = statistics.median(times[max(0, press - 10) : press])
            print(
                f"at {press} jobs: RSS {value:5.0f} MB   the 10 presses up to it: median "
                f"{near:6.1f} ms, growth {near - first:+6.1f} ms"
            )
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)
        if sim is not None:
            sim.terminate()
            sim.wait(timeout=10)


if __name__ == "__main__":
    main()
