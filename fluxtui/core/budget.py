"""Running spend (per session, per day) and the optional budget checked before a submit.

```toml
[budget]
daily = 5.00      # USD per calendar day (local time)
session = 1.00    # USD per session: one run of the app, or one command
```

`check` is pure: the TUI and the CLI pass what was spent and what the next submit would add, and
get back whether it crosses a limit and the words to say so. A request of unknown price adds
nothing to the estimate; it is listed, so that the message can say the estimate is partial.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fluxtui.core.job_rows import JobQuery
from fluxtui.core.models import GenerationRequest
from fluxtui.core.pricing import PriceTable, Spend, spend_of, usd
from fluxtui.core.store import Store

#: a notice (not a refusal) once a run takes spend past this share of a limit
NEAR_SHARE = 0.8


@dataclass(frozen=True)
class Budget:
    """Limits in USD; None means no limit."""

    daily: float | None = None
    session: float | None = None

    @property
    def is_set(self) -> bool:
        return self.daily is not None or self.session is not None


@dataclass(frozen=True)
class Estimate:
    """What a set of requests would cost: the known part, and the requests of unknown price."""

    usd: float = 0.0
    unpriced: tuple[str, ...] = ()  # "comet flux-pro-1.1", one per request of unknown price


@dataclass(frozen=True)
class BudgetCheck:
    """The verdict on a submit. `over` lists each limit it crosses, in words; `near` likewise for
    limits it comes close to (NEAR_SHARE); both empty when all is well."""

    over: tuple[str, ...] = ()
    near: tuple[str, ...] = ()
    estimate: Estimate = field(default_factory=Estimate)

    @property
    def ok(self) -> bool:
        return not self.over

    def message(self) -> str:
        """One paragraph for the user: what crosses what, and how much the run adds."""
        lines = list(self.over or self.near)
        if self.estimate.unpriced:
            lines.append(
                "the price of " + ", ".join(self.estimate.unpriced) + " is unknown and not counted"
            )
        return "; ".join(lines)


def day_start(now: float | None = None) -> float:
    """Local midnight before `now`, as unix time."""
    moment = datetime.fromtimestamp(time.time() if now is None else now)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def spend_since(store: Store, prices: PriceTable, since: float) -> Spend:
    """What the jobs created since `since` cost (see `PriceTable.job_cost`)."""
    return spend_of(store.jobs(JobQuery(since=since, limit=None)), prices)


def estimate(
    requests: Iterable[GenerationRequest], prices: PriceTable, tables: dict[str, str] | None = None
) -> Estimate:
    """What `requests` would cost; `tables` maps service names to model tables (default sizes)."""
    total, unpriced = 0.0, []
    for request in requests:
        cost = prices.estimate(request, (tables or {}).get(request.provider))
        if cost is None:
            unpriced.append(f"{request.provider} {request.model}")
        else:
            total += cost
    return Estimate(round(total, 6), tuple(unpriced))


def check(
    budget: Budget,
    run: Estimate,
    *,
    spent_today: float = 0.0,
    spent_session: float = 0.0,
) -> BudgetCheck:
    """Whether a run estimated at `run` may go ahead under `budget`.

    A limit is crossed when spend plus the run's known cost goes over it, or when spend has already
    reached it (then any paid submit, even one of unknown price, goes further over).
    """
    over: list[str] = []
    near: list[str] = []
    limits: Sequence[tuple[str, float | None, float]] = (
        ("daily", budget.daily, spent_today),
        ("session", budget.session, spent_session),
    )
    for name, limit, spent in limits:
        if limit is None:
            continue
        after = spent + run.usd
        label = "today's" if name == "daily" else "this session's"
        if spent >= limit or after > limit + 1e-9:
            over.append(
                f"{label} spend is {usd(spent)} and this would add about {usd(run.usd)}, "
                f"crossing the {name} budget of {usd(limit)}"
            )
        elif after + 1e-9 >= limit * NEAR_SHARE and run.usd > 0:
            near.append(
                f"this takes {label} spend to {usd(after)} of the {name} budget {usd(limit)}"
            )
    return BudgetCheck(tuple(over), tuple(near), run)


def parse_budget(table: dict[str, Any]) -> Budget | tuple[str, str]:
    """The [budget] table as a Budget, or (key, message) naming what is wrong."""
    values: dict[str, float] = {}
    for key in ("daily", "session"):
        if key not in table:
            continue
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            return key, f"must be a number of USD, got {value!r}"
        if not math.isfinite(value) or value < 0:
            return key, f"must be 0 or more USD, got {value!r}"
        values[key] = float(value)
    return Budget(**values)
