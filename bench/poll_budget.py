"""What a provider's request budget (`max_requests_per_second`) costs in notice delay: a full
BFL account's worth of jobs of one kind (24, the in-flight cap), submitted together and ending
together, polled under each budget.

The engine runs over real HTTP against the simulator in a process of its own (BFL's protocol,
`progress` stripped from the answers, as in `poll_schedule.py`, whose rounds this reuses). The
24 jobs take 1.8 s each, within ±10%. Each budget is measured twice: with no history (today's
schedule) and after the store has learnt `--history` jobs of each size (the learnt schedule
polls densely where the kind is likely to end, so 24 jobs of one kind ask at once). The
baseline, in the same run, is the same schedule with no budget in the way (1000 requests a
second). For each it prints the median and p95 delay between "ready on the server" and
"noticed by the client", the requests per job, and the median's ratio to the baseline's.

    python bench/poll_budget.py [--budgets 50,40,30] [--jobs 24] [--history 20] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
from pathlib import Path

from poll_schedule import Round, p95, run_again
from sim_process import free_port, start_simulator

from fluxtui.core.schedule import PollSchedule

#: (width and height, seconds) of the jobs measured: one kind
KIND = (256, 1.8)


def one_kind(n: int, seed: int) -> list[tuple[int, float]]:
    rng = random.Random(seed)
    side, base = KIND
    return [(side, round(base * rng.uniform(0.9, 1.1), 2)) for _ in range(n)]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", default="50,40,30", help="requests a second, by commas")
    parser.add_argument("--jobs", type=int, default=24)
    parser.add_argument("--history", type=int, default=20, help="jobs of each size learnt first")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    budgets = [1000.0] + [float(b) for b in args.budgets.split(",")]
    measured = one_kind(args.jobs, args.seed)
    print(
        f"{len(measured)} jobs of one kind ({KIND[1]} s ±10%), submitted together; "
        f"learnt from {args.history} jobs of each size; no progress in BFL's answers\n"
    )
    port = free_port()
    simulator = start_simulator(port, "--queue", "0")
    results: list[tuple[str, float, float, float, float]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for learn in (False, True):
                name = f"learnt ({args.history}/size)" if learn else "no history"
                spec = Round(name, "bfl", "flux-dev", PollSchedule, learn=learn)
                for budget in budgets:
                    delays, per_job = await run_again(
                        port, spec, measured, args.history, Path(tmp), budget
                    )
                    median = statistics.median(delays)
                    results.append((name, budget, median, p95(delays), per_job))
                    print(f"  ran {name} at {budget:g} req/s", file=sys.stderr)
    finally:
        simulator.terminate()
        simulator.wait(10)
    print(f"{'schedule':<18} {'budget':>7} {'median':>8} {'p95':>8} {'req/job':>8} {'vs none':>8}")
    baseline: dict[str, float] = {}
    for name, budget, median, high, per_job in results:
        label = "none" if budget >= 1000 else f"{budget:g}/s"
        base = baseline.setdefault(name, median)
        print(
            f"{name:<18} {label:>7} {median * 1000:>6.0f}ms {high * 1000:>6.0f}ms "
            f"{per_job:>8.1f} {median / base:>7.2f}×"
        )


if __name__ == "__main__":
    asyncio.run(main())
