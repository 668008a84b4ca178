"""Soak: many jobs across every provider, injected faults, a crash, and two resumes at once.

The simulator runs in a process of its own. A worker process creates JOBS jobs (about 15% of
them with a transient fault directive: failed and dropped polls, garbled answers, 429 submits,
dropped downloads, broken fal streams) and runs them; once a third are done it is killed with
SIGKILL. Then two `fluxtui resume` processes start at the same moment and share what is left; one
of them is killed too, part-way; a last `fluxtui resume` takes over its jobs and mops up.
Every process has a time bound. Then it counts:

- done: jobs with a verified image file;
- lost: prompts the simulator made an image for, with no verified file in the library, other
  than those the kill caught mid-submit (counted apart: no client can know a job whose submit's
  answer never came back; fluxtui marks them uncertain and never re-sends them by itself);
- paid twice: prompts the simulator accepted more than once;
- leaked: the fake API key found in any process's output, the store, its WAL, or an image;
- hung: processes killed at their time bound;
- uncertain: jobs the kill caught mid-submit (shown for the user to decide; never re-sent).

    python bench/soak.py [--jobs 300] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

KEY = "sim-soak-leakcheck-5f3a9c"
PROVIDERS = ("comet", "bfl", "apiyi", "fal")
FAULTS = {
    "comet": (
        "poll=503, poll_times=3",
        "drop=poll, drop_times=2",
        "submit=429, submit_times=1",
        "garble=2",
        "drop=download, drop_times=2",
        "poll=429, retry_after=0.3, poll_times=2",
    ),
    "bfl": (
        "poll=503, poll_times=3",
        "drop=poll, drop_times=2",
        "garble=2",
        "drop=download, drop_times=2",
        "submit=429, submit_times=1",
    ),
    "apiyi": ("submit=429, submit_times=1", "drop=download, drop_times=2"),
    "fal": (
        "stream=404",
        "poll=503, poll_times=3",
        "drop=poll, drop_times=2",
        "drop=download, drop_times=2",
        "submit=429, submit_times=1",
    ),
}
FAULT_SHARE = 0.15
PROCESS_BOUND_S = 240.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(path: Path, port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    urls = {
        "comet": f"{base}/comet",
        "bfl": f"{base}/bfl",
        "apiyi": f"{base}/apiyi/v1",
        "fal": f"{base}/fal",
    }
    lines = ["timeout = 120"]
    for name, url in urls.items():
        lines += [
            f"[providers.{name}]",
            f'base_url = "{url}"',
            f'api_key = "{KEY}"',
            "concurrency = 24",
        ]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)


def prompts(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out = []
    for index in range(count):
        provider = PROVIDERS[index % len(PROVIDERS)]
        text = f"soak {seed}-{index} a lighthouse at dusk"
        if rng.random() < FAULT_SHARE:
            text += f" [[sim: {rng.choice(FAULTS[provider])}]]"
        out.append((provider, text))
    return out


async def worker(count: int, seed: int) -> None:
    """Create and run the jobs (in the process that the bench kills)."""
    from fluxtui.core import config as config_module
    from fluxtui.core import paths
    from fluxtui.core.catalog import default_model
    from fluxtui.core.engine import Engine
    from fluxtui.core.models import GenerationRequest
    from fluxtui.core.store import Store

    config = config_module.load()
    store = Store(paths.store_file())
    async with Engine(config, store) as engine:
        jobs = []
        for provider, text in prompts(count, seed):
            model = default_model(config.entry(provider).model_table)
            jobs.append(engine.create_job(GenerationRequest(text, provider, model)))
        await asyncio.gather(*(engine.run(job) for job in jobs))


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)


def finish(proc: subprocess.Popen[bytes], bound_s: float) -> bool:
    """Wait for `proc`; kill it at the bound. True when it had to be killed (it hung)."""
    try:
        proc.wait(timeout=bound_s)
        return False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return True


def count_done(store_file: Path) -> int:
    if not store_file.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{store_file}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT COUNT(*) FROM jobs WHERE state = 'done'").fetchone()[0])
    except sqlite3.Error:
        return 0


def verified(path: str) -> bool:
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.verify()
        return True
    except (OSError, SyntaxError, ValueError):
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        asyncio.run(worker(args.jobs, args.seed))
        return 0

    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="fluxtui-soak-"))
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_KEY", "_BASE_URL"))}
    env.update({f"XDG_{d}_HOME": str(work / d.lower()) for d in ("CONFIG", "DATA", "CACHE")})
    env["FLUXTUI_CONFIG"] = str(work / "config.toml")
    port = free_port()
    write_config(work / "config.toml", port)
    fluxtui = [sys.executable, "-m", "fluxtui"]
    sim = spawn(
        [
            *fluxtui,
            "sim",
            "--port",
            str(port),
            "--cluster-port",
            str(free_port()),
            "--queue",
            "0.3",
            "--run",
            "0.8",
        ],
        env,
        work / "sim.log",
    )
    sim_url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{sim_url}/_sim/jobs", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    store_file = work / "data" / "fluxtui" / "jobs.sqlite3"
    hung = 0
    try:
        first = spawn(
            [
                sys.executable,
                __file__,
                "--worker",
                "--jobs",
                str(args.jobs),
                "--seed",
                str(args.seed),
            ],
            env,
            work / "worker.log",
        )
        deadline = time.monotonic() + PROCESS_BOUND_S
        while count_done(store_file) < args.jobs // 3 and first.poll() is None:
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_at = count_done(store_file)
        resumers = [spawn([*fluxtui, "resume"], env, work / f"resume-{n}.log") for n in (1, 2)]
        while count_done(store_file) < killed_at + (args.jobs - killed_at) // 3:
            if time.monotonic() > deadline or all(r.poll() is not None for r in resumers):
                break
            time.sleep(0.05)
        resumers[0].send_signal(signal.SIGKILL)  # one of the two dies mid-run as well
        resumers[0].wait()
        hung += finish(resumers[1], PROCESS_BOUND_S)
        hung += finish(spawn([*fluxtui, "resume"], env, work / "resume-3.log"), PROCESS_BOUND_S)
        remote = httpx.get(f"{sim_url}/_sim/jobs", timeout=10).json()
    finally:
        sim.terminate()
        finish(sim, 10)

    with sqlite3.connect(store_file) as db:
        rows = db.execute("SELECT prompt, state, files FROM jobs").fetchall()
    files_by_prompt = {p: [f for f in json.loads(files) if verified(f)] for p, _, files in rows}
    state_of = {prompt: state for prompt, state, _ in rows}
    done = sum(1 for p, state, _ in rows if state == "done" and files_by_prompt[p])
    uncertain = sum(1 for _, state, _ in rows if state == "uncertain")
    made = {j["prompt"]: j["service"] for j in remote["jobs"] if j["state"] == "done"}
    missing = [prompt for prompt in made if not files_by_prompt.get(prompt)]
    # the kill came while their paid submit was in flight: the provider took it, its answer (the
    # job's id, or the image itself on a synchronous API) never arrived; fluxtui says "uncertain"
    in_flight = [p for p in missing if state_of.get(p) == "uncertain"]
    lost = len(missing) - len(in_flight)
    by_service: dict[str, int] = {}
    for prompt in in_flight:
        by_service[made[prompt]] = by_service.get(made[prompt], 0) + 1
    accepted: dict[str, int] = {}
    for job in remote["jobs"]:
        accepted[job["prompt"]] = accepted.get(job["prompt"], 0) + 1
    paid_twice = sum(1 for n in accepted.values() if n > 1)
    places = [
        *work.glob("*.log"),
        *store_file.parent.glob("jobs.sqlite3*"),
        *(work / "data").rglob("*.png"),
        *(work / "data").rglob("*.jpg"),
    ]
    leaked = sum(1 for place in places if KEY.encode() in place.read_bytes())
    wall = time.monotonic() - started
    print(
        f"jobs {len(rows)} · done {done} · lost {lost} · paid twice {paid_twice} · "
        f"leaked {leaked} · hung {hung} · wall {wall:.1f} s"
    )
    taken = ", ".join(f"{n} {service}" for service, n in sorted(by_service.items())) or "none"
    print(
        f"killed after {killed_at} done: {uncertain} jobs caught mid-submit are uncertain "
        f"(never re-sent); of these the provider had taken {len(in_flight)} ({taken})"
    )
    return 0 if (lost, paid_twice, leaked, hung) == (0, 0, 0, 0) else 1


if __name__ == "__main__":
    sys.exit(main())
