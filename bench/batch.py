"""Batch: a 1,000-line `fluxtui batch` on the simulator, which runs in a process of its own.

Every job is short (the simulator's `--queue` and `--run`), so that the bench takes a few
minutes. It prints the wall time of the batch process against the ideal, the sum of its jobs'
durations (from the store) over the concurrency, and the batch process's CPU time and peak RSS;
then it checks that every line made its image with one submit each.

    python bench/batch.py [--lines 1000] [--concurrency 16] [--queue 0.1] [--run 0.3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

KEY = "sim-batch-bench-2c7d"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(path: Path, port: int, concurrency: int) -> None:
    base = f"http://127.0.0.1:{port}"
    lines = ["timeout = 300"]
    # (not BFL: the simulator gives each key 1,000 credits, a few hundred of its jobs)
    for name, url in (("comet", f"{base}/comet"), ("fal", f"{base}/fal")):
        lines += [
            f"[providers.{name}]",
            f'base_url = "{url}"',
            f'api_key = "{KEY}"',
            f"concurrency = {concurrency}",
        ]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--queue", type=float, default=0.1, help="seconds each job is queued")
    parser.add_argument("--run", type=float, default=0.3, help="seconds each job runs")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="fluxtui-batch-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_KEY", "_BASE_URL"))}
    env.update({f"XDG_{d}_HOME": str(work / d.lower()) for d in ("CONFIG", "DATA", "CACHE")})
    env["FLUXTUI_CONFIG"] = str(work / "config.toml")
    port = free_port()
    write_config(work / "config.toml", port, args.concurrency)
    fluxtui = [sys.executable, "-m", "fluxtui"]
    sim_args = ["sim", "--port", str(port), "--cluster-port", str(free_port())]
    sim_args += ["--queue", str(args.queue), "--run", str(args.run)]
    sim = subprocess.Popen(
        [*fluxtui, *sim_args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(400):
            try:
                httpx.get(f"http://127.0.0.1:{port}/_sim/jobs", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        source = work / "lines.jsonl"
        with source.open("w") as handle:
            for n in range(args.lines):
                provider = ("comet", "fal")[n % 2]
                line = {"prompt": f"bench {n} a lighthouse at dusk", "provider": provider}
                handle.write(json.dumps(line) + "\n")
        command = [*fluxtui, "batch", str(source), "--concurrency", str(args.concurrency)]
        command += ["--out", str(work / "out"), "--json"]
        started = time.monotonic()
        batch = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        stdout, _ = batch.communicate(timeout=1800)
        wall = time.monotonic() - started
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the simulator is still running
        summary = json.loads(stdout.splitlines()[-1])
        store = work / "data" / "fluxtui" / "jobs.sqlite3"
        with sqlite3.connect(store) as db:
            durations = [
                row[0] - row[1]
                for row in db.execute("SELECT updated_at, created_at FROM jobs WHERE state='done'")
            ]
        taken = httpx.get(f"http://127.0.0.1:{port}/_sim/jobs", timeout=30).json()["jobs"]
    finally:
        sim.terminate()
        sim.wait(timeout=30)
    ideal = sum(durations) / args.concurrency
    submits = {job["submits"] for job in taken}
    print(f"lines:                 {args.lines} (exit code {batch.returncode})")
    print(
        f"made:                  {summary['made']}; simulator jobs {len(taken)}, submits {submits}"
    )
    print(f"concurrency:           {args.concurrency}")
    print(f"mean job:              {sum(durations) / max(1, len(durations)):.2f} s")
    print(f"wall time:             {wall:.1f} s")
    print(f"sum of jobs / conc.:   {ideal:.1f} s  (wall is {wall / ideal:.2f}x that)")
    print(f"client CPU:            {usage.ru_utime + usage.ru_stime:.1f} s")
    print(f"client peak RSS:       {usage.ru_maxrss / 1024:.0f} MB")
    ok = summary["made"] == args.lines and len(taken) == args.lines and submits == {1}
    return 0 if ok and batch.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
