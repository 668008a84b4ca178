"""Job ownership across processes: a lease per job in the store, heartbeated by its owner.

A job is followed by one process at a time. Its owner (`new_owner_id()`, one per engine) holds a
row in the store's `leases` table and renews its heartbeat while it follows the job. Another
process may take the job over only when the lease is stale: its heartbeat is older than
`LEASE_TTL_S`, or its process is gone (on this host, `os.kill(pid, 0)` finds no such process, so
a job of a killed process can be resumed at once rather than after the TTL).

The SQL lives here; `Store` calls these functions inside its own transactions.
"""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass

#: seconds without a heartbeat after which a lease may be taken over; owners renew well within it
LEASE_TTL_S = 20.0
#: seconds after a process wrote a lease during which its owner surely still holds it: no other
#: process takes a lease of a live owner before `LEASE_TTL_S` without a heartbeat, so the same
#: owner's claim in that time needs no statement (`Written`)
FRESH_S = LEASE_TTL_S / 4

SCHEMA = """
CREATE TABLE IF NOT EXISTS leases (
    job_id        TEXT PRIMARY KEY,
    owner         TEXT NOT NULL,
    host          TEXT NOT NULL,
    pid           INTEGER NOT NULL,
    heartbeat_at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS leases_by_owner ON leases (owner);
"""


def new_owner_id() -> str:
    """A new owner id for this process: `"{hostname}:{pid}:{random hex}"`."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(6)}"


@dataclass(frozen=True)
class Lease:
    """Who follows a job: the owner id, its host and process, and its last heartbeat (unix time)."""

    owner: str
    host: str
    pid: int
    heartbeat_at: float

    @classmethod
    def of(cls, owner: str, now: float) -> Lease:
        """A fresh lease for `owner`, its host and pid read from the id (see `new_owner_id`).

        An id of another shape has no process to check: only its heartbeat can make it stale.
        """
        parts = owner.split(":")
        if len(parts) == 3 and parts[1].isdigit():
            return cls(owner, parts[0], int(parts[1]), now)
        return cls(owner, "", 0, now)

    def is_stale(self, now: float | None = None) -> bool:
        """True when its owner stopped heartbeating (for `LEASE_TTL_S`) or its process is gone."""
        now = time.time() if now is None else now
        return now - self.heartbeat_at > LEASE_TTL_S or not self._process_may_live()

    def _process_may_live(self) -> bool:
        """False only when the owner's process is surely gone: same host, and no such pid."""
        if self.pid <= 0 or self.host != socket.gethostname():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # it exists, under another user
            return True
        return True


class Written:
    """The leases one store wrote (job id -> owner and heartbeat), so that a claim of a lease
    the same owner took moments ago (a new job's, at `create`, then `claim` as it starts)
    costs no statement. Wall time, as the heartbeats: a clock stepped either way makes every
    lease not fresh."""

    #: entries beyond which the stale ones are dropped
    PRUNE_AT = 1024

    def __init__(self) -> None:
        self._at: dict[str, tuple[str, float]] = {}

    def wrote(self, job_id: str, owner: str) -> None:
        now = time.time()
        if len(self._at) >= self.PRUNE_AT:
            self._at = {j: e for j, e in self._at.items() if 0 <= now - e[1] < FRESH_S}
        self._at[job_id] = (owner, now)

    def fresh(self, job_id: str, owner: str) -> bool:
        """Whether `owner`'s lease on `job_id` was written here less than `FRESH_S` ago."""
        entry = self._at.get(job_id)
        return entry is not None and entry[0] == owner and 0 <= time.time() - entry[1] < FRESH_S

    def forget(self, job_id: str) -> None:
        self._at.pop(job_id, None)


def read(db: sqlite3.Connection, job_id: str) -> Lease | None:
    row = db.execute(
        "SELECT owner, host, pid, heartbeat_at FROM leases WHERE job_id = ?", (job_id,)
    ).fetchone()
    return Lease(*row) if row else None


def every(db: sqlite3.Connection) -> dict[str, Lease]:
    """Every lease, by job id."""
    cursor = db.execute("SELECT job_id, owner, host, pid, heartbeat_at FROM leases")
    return {job_id: Lease(*rest) for job_id, *rest in cursor}


def write(db: sqlite3.Connection, job_id: str, owner: str) -> None:
    """Give the lease of `job_id` to `owner`, heartbeat now (inside the caller's transaction)."""
    lease = Lease.of(owner, time.time())
    db.execute(
        "INSERT INTO leases (job_id, owner, host, pid, heartbeat_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(job_id) DO UPDATE SET owner=excluded.owner, host=excluded.host, "
        "pid=excluded.pid, heartbeat_at=excluded.heartbeat_at",
        (job_id, lease.owner, lease.host, lease.pid, lease.heartbeat_at),
    )


def take(db: sqlite3.Connection, job_id: str, owner: str) -> bool:
    """Give the lease of `job_id` to `owner` if it is free, ours already, or stale (inside the
    caller's transaction); False when another live owner holds it, or there is no such job."""
    if db.execute("SELECT 1 FROM jobs WHERE id = ?", (job_id,)).fetchone() is None:
        return False
    if not may_take(read(db, job_id), owner):
        return False
    write(db, job_id, owner)
    return True


def may_take(lease: Lease | None, owner: str) -> bool:
    """Whether `owner` may hold the job that `lease` is on: free, ours, or stale."""
    return lease is None or lease.owner == owner or lease.is_stale()


def renew(db: sqlite3.Connection, owner: str, job_ids: Iterable[str]) -> set[str]:
    """Heartbeat `owner`'s leases among `job_ids`; the ids it still holds."""
    now = time.time()
    return {
        job_id
        for job_id in job_ids
        if db.execute(
            "UPDATE leases SET heartbeat_at = ? WHERE job_id = ? AND owner = ?",
            (now, job_id, owner),
        ).rowcount
    }


def release(db: sqlite3.Connection, job_id: str, owner: str) -> None:
    db.execute("DELETE FROM leases WHERE job_id = ? AND owner = ?", (job_id, owner))


def forget(db: sqlite3.Connection, job_id: str) -> None:
    """Drop the lease of a deleted job, whoever held it."""
    db.execute("DELETE FROM leases WHERE job_id = ?", (job_id,))
