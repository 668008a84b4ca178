"""The provider simulator for demo mode, started in a background thread.

Started after the app's first paint (importing and starting it takes a few hundred milliseconds
of the one interpreter lock), so the app shows up first and the engine opens a moment later.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fluxtui.sim import SimServer

START_TIMEOUT_S = 20.0


class DemoSimulator:
    """Starts the simulator in a thread at once; `server()` waits for it."""

    def __init__(self) -> None:
        self._future: Future[SimServer] = Future()
        threading.Thread(target=self._start, name="fluxtui-sim-start", daemon=True).start()

    def _start(self) -> None:
        try:
            from fluxtui import session

            self._future.set_result(session.start_simulator())
        except BaseException as exc:  # reported to whoever waits for the server
            self._future.set_exception(exc)

    def server(self) -> SimServer:
        """The running simulator; waits for it to start (raises if it could not)."""
        return self._future.result(timeout=START_TIMEOUT_S)

    def stop(self) -> None:
        try:
            server = self._future.result(timeout=START_TIMEOUT_S)
        except Exception:
            return
        server.stop()
