"""`fluxtui providers --stats`: how long each provider+model's jobs took, from the store."""

from __future__ import annotations

import json

from fluxtui.core import learned, paths
from fluxtui.core.durations import human
from fluxtui.core.store import Store
from fluxtui.core.text import inert


def run_stats(as_json: bool) -> int:
    """Median and p90 seconds from submit to ready per provider and model (demo jobs apart),
    how many finished jobs each figure is from, and the median seconds a place in the provider's
    queue took (where jobs waited in one: fal)."""
    store = Store(paths.store_file())
    try:
        rows = learned.stats(store)
    finally:
        store.close()
    if as_json:
        print(json.dumps([row.to_dict() for row in rows], indent=2))
        return 0
    if not rows:
        print("No finished jobs yet: the figures come from the jobs fluxtui has run.")
        return 0
    print(f"{'provider':<10} {'model':<32} {'jobs':>6} {'median':>9} {'p90':>9} {'per place':>9}")
    for row in rows:
        name = row.provider + (" (demo)" if row.demo else "")
        place = "–" if row.position_s is None else human(row.position_s)
        # provider names and model ids come from the config and the user: printed inert
        print(
            inert(
                f"{name:<10} {row.model:<32} {row.jobs:>6} {human(row.median_s):>9} "
                f"{human(row.p90_s):>9} {place:>9}"
            )
        )
    print(
        f"\nSeconds from submit to ready over the newest {learned.STATS_SAMPLE} finished jobs; "
        "per place: one place in a queue.\n"
        f"The poll schedule learns a model's size and steps after {learned.MIN_JOBS} such jobs, "
        f"its queue after {learned.MIN_QUEUED}."
    )
    return 0
