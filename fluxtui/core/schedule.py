"""When to poll next: fast at first, backing off, with jitter; earlier when progress predicts the
end.

The official clients poll every 0.1 s (fal) or 0.5–1 s (BFL) for as long as a job takes. A FLUX job
takes seconds to a minute, so the cost of noticing the end late is about half the interval at that
moment, and the cost in requests is the job's length over the mean interval. This schedule
- starts at `first` (the first status, with a queue position, arrives quickly),
- grows each interval by `growth` up to `steady` for the first `steady_for` seconds, where most
  jobs end (median "ready → noticed" delay ≈ steady/2),
- then grows slowly towards `ceiling` (a long fal queue is not hammered),
- polls right after the end that reported progress predicts, when the provider reports progress,
- never polls sooner than a `Retry-After` asks,
- and jitters each interval by ±`jitter` so that many jobs do not poll in lock step.
`bench/poll_schedule.py` measures it against fixed intervals.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class PollSchedule:
    first: float = 0.25
    growth: float = 1.3
    steady: float = 0.45
    steady_for: float = 20.0
    ceiling: float = 3.0
    late_slope: float = 0.02  # seconds added to the interval per second waited past `steady_for`
    jitter: float = 0.1
    rng: random.Random = field(default_factory=random.Random)
    _interval: float | None = field(default=None, init=False)

    def next_delay(
        self,
        elapsed: float,
        *,
        eta: float | None = None,
        retry_after: float | None = None,
    ) -> float:
        """Seconds to wait before the next poll, `elapsed` seconds after the job was submitted.

        `eta`: seconds until the job should end, from the provider's progress, if known.
        `retry_after`: the provider asked us to wait at least this long.
        """
        if self._interval is None:
            interval = self.first
        else:
            interval = min(self._interval * self.growth, self._cap(elapsed))
        self._interval = interval
        delay = interval * (1 + self.rng.uniform(-self.jitter, self.jitter))
        if eta is not None and 0 <= eta < delay:
            delay = max(eta + 0.02, 0.05)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    def _cap(self, elapsed: float) -> float:
        if elapsed <= self.steady_for:
            return self.steady
        return min(self.ceiling, self.steady + (elapsed - self.steady_for) * self.late_slope)


@dataclass
class FixedSchedule:
    """What the official clients do: the same interval forever. For comparison in `bench/`."""

    interval: float

    def next_delay(
        self, elapsed: float, *, eta: float | None = None, retry_after: float | None = None
    ) -> float:
        return max(self.interval, retry_after or 0.0)


def eta_from_progress(progress: float | None, running_for: float | None) -> float | None:
    """Seconds left, assuming progress grows evenly since the job started running."""
    if progress is None or running_for is None or not 0.05 <= progress < 1 or running_for <= 0:
        return None
    return running_for * (1 - progress) / progress
