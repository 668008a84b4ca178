"""What this session and today cost (shown in the header), and the budget check before a submit.

The money is the core's (`pricing`, `budget`); this module keeps the last figures measured, words
them for the header, and asks the user before a run that would cross a limit of `[budget]`.
Spend is measured from the store, which is blocking: the app calls `measure` from a thread, and
it reads on a connection of its own (the app's may close meanwhile).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from fluxtui.core import budget
from fluxtui.core.budget import BudgetCheck
from fluxtui.core.config import Config
from fluxtui.core.models import GenerationRequest
from fluxtui.core.pricing import PriceTable, Spend, usd
from fluxtui.core.store import Store
from fluxtui.tui.screens.confirm import ConfirmScreen

if TYPE_CHECKING:
    from textual.app import App


class Spending:
    """Today's and this session's spend, as last measured, and the budget they count against."""

    def __init__(self, config: Config, started_at: float):
        self.prices = PriceTable.with_overrides(config.prices)
        self.budget = config.budget
        self.tables = {name: entry.model_table for name, entry in config.providers.items()}
        self.started_at = started_at
        self.today = Spend()
        self.session = Spend()

    def measure(self, store_path: Path, now: float) -> tuple[Spend, Spend]:
        """Today's and this session's spend from the store at `store_path`. Blocking: call it
        from a thread."""
        store = Store(store_path)
        try:
            today = budget.spend_since(store, self.prices, budget.day_start(now))
            return today, budget.spend_since(store, self.prices, self.started_at)
        finally:
            store.close()

    def update(self, today: Spend, session: Spend) -> None:
        self.today, self.session = today, session

    def header(self) -> str:
        """"today $0.120 · session $0.040", with each limit of the budget and unpriced images."""
        return (f"today {_amount(self.today, self.budget.daily)} · "
                f"session {_amount(self.session, self.budget.session)}")

    def check(
        self, requests: Iterable[GenerationRequest], in_flight: Iterable[GenerationRequest]
    ) -> BudgetCheck:
        """The budget's verdict on sending `requests`; jobs still `in_flight` count as spent."""
        run = budget.estimate(requests, self.prices, self.tables)
        pending = budget.estimate(in_flight, self.prices, self.tables).usd
        return budget.check(self.budget, run, spent_today=self.today.usd + pending,
                            spent_session=self.session.usd + pending)


def _amount(spend: Spend, limit: float | None) -> str:
    text = usd(spend.usd) + (f" of {usd(limit)}" if limit is not None else "")
    return text + (f" (+{spend.unpriced} unpriced)" if spend.unpriced else "")


def guard(app: App[object], verdict: BudgetCheck | None, go: Callable[[], object]) -> None:
    """Call `go` unless `verdict` crosses a limit: then ask first, with the reason (a verdict of
    None means nothing is charged, as in demo mode)."""
    if verdict is None or verdict.ok:
        if verdict is not None and verdict.near:
            app.notify(verdict.message(), title="Budget", severity="warning", timeout=6)
        go()
        return
    question = f"Over budget: {verdict.message()}.\nSend it anyway?"

    def answered(answer: str | None) -> None:
        if answer == "send":
            go()
        else:
            app.notify("nothing was sent (over budget)", title="Budget", timeout=4)

    app.push_screen(ConfirmScreen(question, [("y", "Send anyway", "send")]), answered)
