"""The provider simulator for demo mode, in a child process of its own (`fluxtui.sim.child`).

The simulator runs off the app's event loop and interpreter lock: hundreds of demo jobs cost the
app what real ones do. The child is started (from a background thread, so nothing here blocks
the caller) once the app has painted; it listens on two free loopback ports and says which on
one line, waited for at most `START_TIMEOUT_S`. It stops when its stdin closes: `stop()` closes
it, and so does the system when this process dies, however it dies. What the child writes on
stderr goes to `demo-simulator.log` in the cache directory (never onto the app's terminal).
"""

from __future__ import annotations

import json
import os
import selectors
import site
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import IO

from fluxtui.sim.child import READY
from fluxtui.sim.config import PublicUrls

START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 5.0
LOG_NAME = "demo-simulator.log"


class SimProcess:
    """A running simulator child: where it answers (as `SimServer` says it), and its process."""

    def __init__(self, process: subprocess.Popen[bytes], urls: PublicUrls) -> None:
        self.process = process
        self.urls = urls

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def api_url(self) -> str:
        return self.urls.api

    @property
    def cluster_url(self) -> str:
        return self.urls.cluster

    def base_url(self, service: str) -> str:
        return self.urls.base_url(service)

    def stop(self) -> None:
        """Close its stdin (it stops serving and exits); terminate, then kill, if it lingers."""
        process = self.process
        if process.stdin is not None and not process.stdin.closed:
            process.stdin.close()
        for ending in (None, process.terminate, process.kill):
            if ending is not None:
                ending()
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
                break
            except subprocess.TimeoutExpired:
                continue
        if process.stdout is not None:
            process.stdout.close()


def start_child(log_dir: Path | None = None, timeout_s: float = START_TIMEOUT_S) -> SimProcess:
    """Start the simulator's child process and wait (at most `timeout_s`) until it serves."""
    log_path = _log_path(log_dir)
    log: IO[bytes] | int = subprocess.DEVNULL
    if log_path is not None:
        try:
            log = log_path.open("wb")
        except OSError:
            log_path = None
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "fluxtui.sim.child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=_environment(),
            start_new_session=True,  # the terminal's Ctrl-C is the parent's to handle
        )
    finally:
        if not isinstance(log, int):
            log.close()
    try:
        urls = _wait_ready(process, timeout_s)
    except BaseException:
        SimProcess(process, PublicUrls()).stop()
        raise
    if urls is None:
        SimProcess(process, PublicUrls()).stop()
        where = f" (see {log_path})" if log_path is not None else ""
        raise RuntimeError(f"the demo simulator did not start within {timeout_s:g} s{where}")
    return SimProcess(process, urls)


def _wait_ready(process: subprocess.Popen[bytes], timeout_s: float) -> PublicUrls | None:
    """The addresses on the child's READY line; None if it exits or the time is up first."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout_s
    seen = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while b"\n" not in seen and (left := deadline - time.monotonic()) > 0:
            if not selector.select(left):
                continue
            chunk = os.read(process.stdout.fileno(), 4096)
            if not chunk:
                return None  # it exited
            seen += chunk
    line = seen.split(b"\n", 1)[0].decode("utf-8", "replace")
    if not line.startswith(READY):
        return None
    where = json.loads(line[len(READY) :])
    return PublicUrls(api=str(where["api"]), cluster=str(where["cluster"]))


def _log_path(log_dir: Path | None) -> Path | None:
    from fluxtui.core import paths

    folder = log_dir if log_dir is not None else paths.cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder / LOG_NAME


def _environment() -> dict[str, str]:
    """This process's environment, with fluxtui's own folder on the path when it is not
    installed (a source checkout run as `python -m fluxtui`)."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent.parent)
    installed = {
        str(Path(p).resolve()) for p in (*site.getsitepackages(), site.getusersitepackages())
    }
    if root not in installed:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


class DemoSimulator:
    """Starts the simulator's child process in a thread at once; `server()` waits for it."""

    def __init__(self, log_dir: Path | None = None) -> None:
        self._future: Future[SimProcess] = Future()
        self._log_dir = log_dir
        threading.Thread(target=self._start, name="fluxtui-sim-start", daemon=True).start()

    def _start(self) -> None:
        try:
            self._future.set_result(start_child(self._log_dir))
        except BaseException as exc:  # reported to whoever waits for the server
            self._future.set_exception(exc)

    def server(self) -> SimProcess:
        """The running simulator; waits for it to start (raises if it could not)."""
        return self._future.result(timeout=START_TIMEOUT_S + 5)

    def stop(self) -> None:
        try:
            server = self._future.result(timeout=START_TIMEOUT_S + 5)
        except Exception:
            return
        server.stop()
