"""The poll schedule's shape (its speed is measured in bench/poll_schedule.py)."""

from __future__ import annotations

import itertools
import random

from fluxtui.core.schedule import FixedSchedule, PollSchedule, eta_from_progress


def delays(schedule: PollSchedule, until: float) -> list[tuple[float, float]]:
    elapsed, out = 0.0, []
    while elapsed < until:
        delay = schedule.next_delay(elapsed)
        out.append((elapsed, delay))
        elapsed += delay
    return out


def test_starts_fast_then_settles_then_backs_off() -> None:
    schedule = PollSchedule(jitter=0, rng=random.Random(1))
    seen = delays(schedule, 120)
    assert seen[0][1] == schedule.first
    steady = [d for t, d in seen if 3 < t < schedule.steady_for]
    assert steady and all(d == schedule.steady for d in steady)
    late = [d for t, d in seen if t > 100]
    assert late and all(schedule.steady < d <= schedule.ceiling for d in late)
    assert all(b >= a for (_, a), (_, b) in itertools.pairwise(seen))


def test_jitter_stays_within_bounds() -> None:
    schedule = PollSchedule(jitter=0.1, rng=random.Random(7))
    for _elapsed, delay in delays(schedule, 10)[3:]:
        assert 0.9 * schedule.steady <= delay <= 1.1 * schedule.steady


def test_retry_after_is_honoured_and_eta_pulls_the_poll_in() -> None:
    schedule = PollSchedule(jitter=0)
    assert schedule.next_delay(0, retry_after=5) == 5
    assert schedule.next_delay(1, eta=0.1) < 0.2
    assert FixedSchedule(0.5).next_delay(3, retry_after=2) == 2


def test_eta_from_progress() -> None:
    assert eta_from_progress(0.5, 2.0) == 2.0
    assert eta_from_progress(None, 2.0) is None
    assert eta_from_progress(0.01, 2.0) is None  # too early to extrapolate
    assert eta_from_progress(1.0, 2.0) is None
