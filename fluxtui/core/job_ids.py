"""Job ids: they sort by creation time, and their random digits are the short id users type."""

from __future__ import annotations

import secrets
import threading
import time

#: hex digits of milliseconds that start every job id (so that ids sort by creation time)
TIME_DIGITS = 11
#: random hex digits after them: the job's short id, which users see and type
SHORT_DIGITS = 8
_HEX = frozenset("0123456789abcdef")
_lock = threading.Lock()
_given: tuple[int, set[str]] = (-1, set())  # the millisecond of the last id, its short ids


def new_job_id(now: float | None = None) -> str:
    """An id that sorts by creation time: 11 hex digits of milliseconds, then 8 random ones,
    the short id (`short_id`). Ids this process makes in one millisecond never share it."""
    global _given
    millis = int((time.time() if now is None else now) * 1000)
    with _lock:
        if _given[0] != millis:
            _given = (millis, set())
        taken = _given[1]
        tail = secrets.token_hex(SHORT_DIGITS // 2)
        while tail in taken:
            tail = secrets.token_hex(SHORT_DIGITS // 2)
        taken.add(tail)
    return f"{millis:0{TIME_DIGITS}x}{tail}"


def _timed(job_id: str) -> bool:
    """Whether `job_id` is time + random hex (ids made before short ids had 6 random digits)."""
    return len(job_id) >= TIME_DIGITS + 6 and set(job_id) <= _HEX


def short_id(job_id: str) -> str:
    """The part of a job id that tells it apart: its random digits (the time before them is
    shared by the jobs of one comparison). Ids of another shape: their first 8 characters."""
    return job_id[TIME_DIGITS : TIME_DIGITS + SHORT_DIGITS] if _timed(job_id) else job_id[:8]


def id_matches(job_id: str, typed: str) -> bool:
    """Whether a user's `typed` id names `job_id`: a prefix of the id or of its short id (in
    any case, as the store's lookup)."""
    typed = typed.lower()
    return job_id.startswith(typed) or (_timed(job_id) and job_id[TIME_DIGITS:].startswith(typed))
