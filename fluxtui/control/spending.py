"""What this session and today cost, and the one budget check both faces run before a submit.

The money is the core's (`pricing`, `budget`); this module keeps the last figures measured, words
them for the TUI's header, and gives the budget's verdict on a run (`Spending.check`, through the
controller, for both faces). Spend is measured from the store, which is blocking: call
`measure` from a thread.
"""

from __future__ import annotations

from collections.abc import Iterable

from fluxtui.core import budget
from fluxtui.core.budget import BudgetCheck
from fluxtui.core.config import Config
from fluxtui.core.models import GenerationRequest
from fluxtui.core.pricing import PriceTable, Spend, usd
from fluxtui.core.store import Store


class Spending:
    """Today's and this session's spend, as last measured, and the budget they count against."""

    def __init__(self, config: Config, started_at: float):
        self.prices = PriceTable.with_overrides(config.prices)
        self.budget = config.budget
        self.tables = {name: entry.model_table for name, entry in config.providers.items()}
        self.started_at = started_at
        self.today = Spend()
        self.session = Spend()

    def measure(self, store: Store, now: float) -> tuple[Spend, Spend]:
        """Today's and this session's spend from `store`. Blocking: call it from a thread."""
        today = budget.spend_since(store, self.prices, budget.day_start(now))
        return today, budget.spend_since(store, self.prices, self.started_at)

    def update(self, today: Spend, session: Spend) -> None:
        self.today, self.session = today, session

    def header(self) -> str:
        """ "today $0.120 · session ~$0.040" ("~": partly estimated), with each limit of the
        budget and unpriced images."""
        return (
            f"today {_amount(self.today, self.budget.daily)} · "
            f"session {_amount(self.session, self.budget.session)}"
        )

    def check(
        self, requests: Iterable[GenerationRequest], in_flight: Iterable[GenerationRequest] = ()
    ) -> BudgetCheck:
        """The budget's verdict on sending `requests`; jobs still `in_flight` count as spent."""
        run = budget.estimate(requests, self.prices, self.tables)
        pending = budget.estimate(in_flight, self.prices, self.tables).usd
        return budget.check(
            self.budget,
            run,
            spent_today=self.today.usd + pending,
            spent_session=self.session.usd + pending,
        )


def _amount(spend: Spend, limit: float | None) -> str:
    text = spend.total_text() + (f" of {usd(limit)}" if limit is not None else "")
    return text + (f" (+{spend.unpriced} unpriced)" if spend.unpriced else "")
