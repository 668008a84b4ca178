"""A store connection that thread workers share safely.

SQLite is blocking, so screens query the store from thread workers; but a connection closed while
another thread runs a query on it crashes the process (a screen closing, the app quitting). Here
one query runs at a time, the connection opens on first use, and `close` waits for the query.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from fluxtui.core.store import Store

T = TypeVar("T")


class StoreClosed(RuntimeError):
    """The connection was closed (its screen is gone); the query was not run."""


class ThreadedStore:
    def __init__(self, path: Path):
        self.path = path
        self._store: Store | None = None
        self._closed = False
        self._lock = threading.Lock()

    def run(self, query: Callable[[Store], T]) -> T:
        """`query(store)`, from any thread; StoreClosed once `close` was called."""
        with self._lock:
            if self._closed:
                raise StoreClosed(f"{self.path} is closed")
            if self._store is None:
                self._store = Store(self.path)
            return query(self._store)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._store is not None:
                self._store.close()
                self._store = None
