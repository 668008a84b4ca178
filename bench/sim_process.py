"""The simulator in a process of its own, for benches whose figures must not include its work
(CPU, the GIL): `fluxtui sim --port N` on a free pair of ports."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx

SERVICES = ("comet", "bfl", "apiyi", "openai", "fal")


def urls(port: int) -> dict[str, str]:
    """Each service's base URL on the simulator at `port` (cluster: `port + 1`)."""
    from fluxtui.sim.config import PublicUrls

    public = PublicUrls(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port + 1}")
    return {service: public.base_url(service) for service in SERVICES}


def free_port() -> int:
    """A port whose next one is free too (the simulator's cluster port)."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        with socket.socket() as other:
            try:
                other.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port


def start_simulator(port: int, *flags: str) -> subprocess.Popen[bytes]:
    """`fluxtui sim --port PORT FLAGS...` in a process of its own, once it answers."""
    command = [sys.executable, "-m", "fluxtui", "sim", "--port", str(port), *flags]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_sim/jobs", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the simulator did not start")
