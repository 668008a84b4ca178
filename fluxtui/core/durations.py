"""Durations as people read them, for every message and line that shows one: `2.5 s`, `30 s`,
`2 min 5 s`, `1 h 3 min`. (The TUI's running clocks, `0:07`, are a display of their own.)"""

from __future__ import annotations

import math


def human(seconds: float) -> str:
    """`seconds` in the largest units that fit, two at most: tenths under 10 s, whole seconds
    under a minute, then minutes and seconds, then hours and minutes ("" for no real number)."""
    if not math.isfinite(seconds):
        return ""
    seconds = max(0.0, seconds)
    if seconds < 9.95:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        minutes, secs = divmod(whole, 60)
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, rest = divmod(round(seconds / 60), 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def queue_wait(ahead: int, place_s: float | None) -> str:
    """When a job `ahead` places from the front of a queue should start, at `place_s` seconds a
    place (the store's learnt figure): "~4.5 s" for its places ahead and its own ("" unknown)."""
    if place_s is None:
        return ""
    return f"~{human((ahead + 1) * place_s)}"
