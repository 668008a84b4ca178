"""Demo mode's simulator runs in a child process: it starts on free loopback ports and serves,
it stops when told (the app quitting), and it dies with a parent that is killed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from fluxtui.control.demo import LOG_NAME, DemoSimulator, start_child

DEADLINE_S = 30.0  # generous: the machines are shared; nothing here asserts a time


def gone(pid: int) -> bool:
    """Whether process `pid` has exited (a zombie nobody reaped yet counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def wait_gone(pid: int) -> bool:
    deadline = time.monotonic() + DEADLINE_S
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return gone(pid)


def refused(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError:
        return True
    return False


def test_the_child_serves_every_service_and_stops_when_told(tmp_path: Path) -> None:
    child = start_child(tmp_path)
    try:
        assert child.pid != os.getpid() and not gone(child.pid)
        assert child.api_url.startswith("http://127.0.0.1:") and child.api_url != child.cluster_url
        credits = httpx.get(child.base_url("bfl") + "/v1/credits", headers={"x-key": "sim-key"})
        assert credits.status_code == 200 and "credits" in credits.json()
        jobs = httpx.get(child.api_url + "/_sim/jobs")
        assert jobs.status_code == 200
    finally:
        child.stop()
    assert child.process.returncode == 0  # it left on its own: its stdin closed
    assert refused(child.api_url) and refused(child.cluster_url)
    assert (tmp_path / LOG_NAME).is_file()


def test_the_child_dies_with_a_parent_that_is_killed(tmp_path: Path) -> None:
    parent_code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from fluxtui.control.demo import start_child\n"
        "child = start_child(Path(sys.argv[1]))\n"
        "print(child.pid, child.api_url, flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_code, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        pid_text, api_url = parent.stdout.readline().split()
        pid = int(pid_text)
        assert not gone(pid)
        assert httpx.get(api_url + "/_sim/jobs").status_code == 200
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=DEADLINE_S)
        assert wait_gone(pid), "the simulator outlived its killed parent"
        assert refused(api_url)
    finally:
        parent.kill()
        parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()


def test_demo_simulator_starts_in_the_background_and_stops(tmp_path: Path) -> None:
    simulator = DemoSimulator(tmp_path)
    server = simulator.server()
    assert httpx.get(server.api_url + "/_sim/jobs").status_code == 200
    simulator.stop()
    assert server.process.returncode is not None and gone(server.pid)
