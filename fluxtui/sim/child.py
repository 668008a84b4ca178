"""The simulator as a child process of the app (demo mode): `python -m fluxtui.sim.child`.

It binds two free loopback ports, serves every service under its prefix, and says where on one
line of stdout (`READY {"api": ..., "cluster": ...}`) once it serves; nothing else is written
there. It stops when its stdin closes: the parent closes it to stop it, and the system closes it
when the parent dies however it dies (killed too), so the child is never left behind. It runs in
a session of its own, so a Ctrl-C meant for the parent (the headless CLI) does not reach it.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
from collections.abc import Callable

READY = "READY "
#: how long the child may take to stop once told (open streams are cut after ~1 s)
STOP_GRACE_S = 5.0


def main() -> None:
    from fluxtui.sim.config import SimConfig
    from fluxtui.sim.server import _build, _quiet_uvicorn

    _quiet_uvicorn()
    server, sockets, urls = _build(SimConfig(), (0, 0), in_thread=True)
    ready = READY + json.dumps({"api": urls.api, "cluster": urls.cluster})

    async def serve() -> None:
        loop = asyncio.get_running_loop()

        def stop() -> None:
            server.should_exit = True
            timer = threading.Timer(STOP_GRACE_S, os._exit, args=(0,))  # a stuck stream: go
            timer.daemon = True
            timer.start()

        threading.Thread(target=_watch_stdin, args=(loop, stop), daemon=True).start()
        serving = asyncio.create_task(server.serve(sockets=sockets))
        while not server.started and not serving.done():
            await asyncio.sleep(0.005)
        if server.started:
            _say(ready)
        await serving

    try:
        asyncio.run(serve())
    finally:
        for sock in sockets:
            sock.close()


def _say(line: str) -> None:
    """The one line of stdout; then stdout goes nowhere (nobody reads the pipe any more)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _watch_stdin(loop: asyncio.AbstractEventLoop, stop: Callable[[], None]) -> None:
    """Read stdin until it closes (the parent stopped us, or died), then stop the server."""
    try:
        while os.read(sys.stdin.fileno(), 4096):
            pass
    except OSError:
        pass
    loop.call_soon_threadsafe(stop)


if __name__ == "__main__":
    main()
