"""The poll schedules' own share of the "ready → noticed" delay, with no machine in the way.

`poll_schedule.py` measures the schedules through the engine and the simulator, so its figures
carry the machine's load (on a shared 2-core machine, answers 50–200 ms late). This one replays
the same job lengths (two sizes, ±10% each) through the schedules' own `next_delay`, every
answer coming `--latency` after its request, over `--seeds` draws: the delay a schedule adds, and
its requests per job (submit + status), against the fixed 0.1 s loop. The learnt schedule learns
from `--history` jobs of each size followed by today's schedule, as in `poll_schedule.py`:
- "as before": a job's ready time is when it was noticed, and every job of a kind starts its
  dense polls at the same instant (main before this change);
- "now": a job found by polling was ready halfway between that poll and the one before, and each
  job starts its dense polls at its own point of the step before the window;
- "no first look": as now, without the look 1 s after the submit.

    python bench/poll_model.py [--latency 0.005 0.03] [--seeds 10] [--history 20]
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections.abc import Callable

from poll_schedule import lengths  # the same jobs as the engine's runs

from fluxtui.core.learned import Durations
from fluxtui.core.learned_schedule import LearnedSchedule
from fluxtui.core.run_parts import Schedule
from fluxtui.core.schedule import FixedSchedule, PollSchedule


def follow(
    schedule: Schedule, ready: float, latency: float, *, at_once: bool
) -> tuple[float, float | None, int]:
    """(noticed, the answer before it, status requests) for a job ready `ready` s after its
    submit; `at_once`: the first poll right away (today's schedule), else when the schedule says."""
    asked = 0.0 if at_once else schedule.next_delay(0.0)
    before, polls = None, 0
    while True:
        polls += 1
        answered = asked + latency
        if asked >= ready:
            return answered, before, polls
        before = answered
        asked = answered + schedule.next_delay(answered)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def learnt_kind(
    history: int, latency: float, rng: random.Random, *, midpoint: bool
) -> dict[int, Durations]:
    learnt: dict[int, list[float]] = {}
    for side, seconds in lengths(history, 99):
        noticed, before, _ = follow(PollSchedule(rng=rng), seconds, latency, at_once=True)
        ready = (noticed + before) / 2 if midpoint and before is not None else noticed
        learnt.setdefault(side, []).append(ready)
    return {side: Durations.of(values) for side, values in learnt.items()}


def measure(
    make: Callable[[random.Random, int, dict[int, Durations]], Schedule],
    learn: bool | None,
    args: argparse.Namespace,
    latency: float,
) -> tuple[float, float, float]:
    """Median over the seeds of (median delay, p95 delay, requests per job)."""
    runs = []
    for seed in range(1, args.seeds + 1):
        rng = random.Random(seed)
        known = {}
        if learn is not None:
            known = learnt_kind(args.history, latency, rng, midpoint=learn)
        delays, requests = [], []
        for side, seconds in lengths(args.jobs, seed):
            schedule = make(rng, side, known)
            at_once = not isinstance(schedule, LearnedSchedule)
            noticed, _, polls = follow(schedule, seconds, latency, at_once=at_once)
            delays.append(noticed - seconds)
            requests.append(polls + 1)  # and the submit
        runs.append((statistics.median(delays), p95(delays), statistics.mean(requests)))
    medians = [statistics.median(run[i] for run in runs) for i in range(3)]
    return medians[0], medians[1], medians[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, nargs="+", default=[0.005, 0.03])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=10, help="measured jobs of each size")
    parser.add_argument("--history", type=int, default=20, help="jobs of each size learnt first")
    args = parser.parse_args()
    schedules: list[tuple[str, Callable[..., Schedule], bool | None]] = [
        ("fixed 0.1 s (fal-client)", lambda rng, side, known: FixedSchedule(0.1), None),
        ("fixed 0.5 s (BFL SDK)", lambda rng, side, known: FixedSchedule(0.5), None),
        ("fluxtui, no history", lambda rng, side, known: PollSchedule(rng=rng), None),
        (
            "learnt, as before",
            lambda rng, side, known: LearnedSchedule(known[side], phase=0, rng=rng),
            False,
        ),
        ("learnt, now", lambda rng, side, known: LearnedSchedule(known[side], rng=rng), True),
        (
            "learnt, now, no first look",
            lambda rng, side, known: LearnedSchedule(known[side], first=0, rng=rng),
            True,
        ),
    ]
    for latency in args.latency:
        print(f"answers {latency * 1000:.0f} ms after the request; medians over {args.seeds} seeds")
        print(f"  {'schedule':<28} {'median':>8} {'p95':>8} {'req/job':>8} {'vs 0.1 s':>9}")
        baseline = None
        for name, make, learn in schedules:
            median, high, per_job = measure(make, learn, args, latency)
            baseline = baseline or per_job
            print(
                f"  {name:<28} {median * 1000:>6.0f}ms {high * 1000:>6.0f}ms {per_job:>8.1f} "
                f"{per_job / baseline:>8.0%}"
            )


if __name__ == "__main__":
    main()
