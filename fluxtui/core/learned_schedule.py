"""The poll schedule for a job whose kind the store has seen often: sparse before it is likely to
end, dense while it is likely to end, today's schedule (`PollSchedule`) after.

With the ready times of ≥ 20 jobs like it (`learned.History`), the window where this job is likely
to end runs from a little before the fastest 2% to a little after the slowest 2%. The first poll
comes `first` seconds after the submit (or at the window, if it opens sooner), so that the job is
seen in its queue and a refusal that comes at once (BFL's "Request Moderated", "Task not found")
is said at once. Then, before the window, the job is asked at most every `sparse` seconds (so a
long job still shows its queue and its progress); inside it, every `dense` seconds (the end is
noticed ~dense/2 late), starting at this job's own `phase` of a step before the window (jobs of
one kind sent together do not ask at the same instant, and wait on each other's answers); past
it, the job is slower than its kind and today's schedule takes over. Real FLUX jobs of one model
and size vary by about ±10%, so the window is short and most of a job's requests fall where
they count.
Progress that predicts the end pulls a poll in (never under the window's interval), and
`Retry-After` is a floor, as in `PollSchedule`.

A job that waits in a queue (fal's `queue_position`) whose places are known to take so long each
(`learned.History.position_seconds`) is asked once a place (`queued_delay`), whatever schedule
it follows: each move is still seen, and a deep queue is not asked every 0.45 s.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from fluxtui.core.learned import Durations
from fluxtui.core.schedule import PollSchedule

#: the longest wait before the job's window (seconds): a long job still shows its queue and progress
SPARSE = 5.0


@dataclass
class LearnedSchedule:
    durations: Durations
    #: seconds since the job's submit when this schedule started (a resumed job is older)
    offset: float = 0.0
    first: float = 1.0
    dense: float = 0.08
    most_dense: int = 8
    sparse: float = SPARSE
    #: the window's edges: these quantiles of the ready times, widened by `margin` of them
    low_q: float = 0.02
    high_q: float = 0.98
    margin: float = 0.03
    jitter: float = 0.1
    #: how far (in steps, 0..1) before the window this job's dense polls start; None: at random,
    #: so that jobs of one kind sent together do not all ask at the same instant
    phase: float | None = None
    rng: random.Random = field(default_factory=random.Random)
    after: PollSchedule = field(default_factory=PollSchedule)

    def __post_init__(self) -> None:
        if self.phase is None:
            self.phase = self.rng.random()

    def window(self) -> tuple[float, float]:
        """Seconds after the submit between which the job is polled densely."""
        low = self.durations.quantile(self.low_q) * (1 - self.margin)
        high = self.durations.quantile(self.high_q) * (1 + self.margin) + self.dense
        return low, high

    def step(self) -> float:
        """The interval inside the window."""
        low, high = self.window()
        return max(self.dense, (high - low) / self.most_dense)

    def start(self) -> float:
        """Seconds after the submit of this job's first dense poll: `phase` of a step before the
        window."""
        return self.window()[0] - (self.phase or 0.0) * self.step()

    def next_delay(
        self,
        elapsed: float,
        *,
        eta: float | None = None,
        retry_after: float | None = None,
    ) -> float:
        age = elapsed + self.offset
        high = self.window()[1]
        if age > high:
            return self.after.next_delay(age, eta=eta, retry_after=retry_after)
        step, start = self.step(), self.start()
        if age < start - step:
            delay = min(start - age, self.sparse)
            if age < self.first:  # the first look (the job exists, or was refused at once),
                delay = min(delay, self.first - age)  # unless the window opens before it
        else:
            delay = step * (1 + self.rng.uniform(-self.jitter, self.jitter))
        if eta is not None and 0 <= eta < delay:
            # progress pulls the poll in, never under the window's interval: the job was first
            # seen running late (the schedule was sparse), so its progress rate is a guess
            delay = max(eta + 0.02, min(delay, step))
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay


def queued_delay(delay: float, position: int | None, per_position: float | None) -> float:
    """The wait before asking again about a job `position` places behind the front of a queue
    whose places take `per_position` seconds each: one place's time (at most `SPARSE`), never
    less than the schedule's `delay`; `delay` itself at the front (position 0: the job starts
    any moment) or with no position time learnt."""
    if not position or position < 0 or per_position is None:
        return delay
    return max(delay, min(per_position, SPARSE))
