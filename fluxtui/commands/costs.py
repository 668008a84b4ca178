"""The budget check the headless commands run before sending anything, and `fluxtui spend`.

A run that would cross a limit in `[budget]` is refused: a message on stderr, exit code 2, nothing
sent — unless `--over-budget` is given, which sends it with a warning. A run that comes close to a
limit sends with a notice. In demo mode nothing is charged, so nothing is checked.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from fluxtui.control.controller import Controller
from fluxtui.core import budget as budget_module
from fluxtui.core import config as config_module
from fluxtui.core import exit_codes, paths
from fluxtui.core.models import GenerationRequest
from fluxtui.core.pricing import PriceTable, usd
from fluxtui.core.store import Store


def check_budget(
    controller: Controller, requests: Sequence[GenerationRequest], *, over_budget: bool
) -> int | None:
    """None when the run may go ahead (after any warning on stderr); else the exit code."""
    config = controller.config
    if controller.demo or not config.budget.is_set:
        return None
    controller.spending.update(*controller.measure_spend())
    verdict = controller.budget(requests)
    if verdict is None or verdict.ok:
        if verdict is not None and verdict.near:
            print(f"fluxtui: note: {verdict.message()}", file=sys.stderr)
        return None
    where = f" in {config.path}" if config.path else ""
    if over_budget:
        print(
            f"fluxtui: warning: over budget: {verdict.message()}; sending anyway (--over-budget)",
            file=sys.stderr,
        )
        return None
    print(
        f"fluxtui: over budget: {verdict.message()}. Nothing was sent: add --over-budget to send "
        f"it anyway, or raise [budget]{where}.",
        file=sys.stderr,
    )
    return exit_codes.EXIT_BAD_INPUT


def run_spend(args: argparse.Namespace) -> int:
    """`fluxtui spend`: what today's jobs cost, and the budget."""
    config = config_module.load()
    prices = PriceTable.with_overrides(config.prices)
    store = Store(paths.store_file())
    try:
        since = budget_module.day_start()
        today = budget_module.spend_since(store, prices, since)
    finally:
        store.close()
    data = {
        "today_usd": today.usd,
        "reported_usd": today.reported,  # what the providers reported; the rest is estimated
        "estimated_usd": today.estimated,
        "images": today.images,
        "unpriced_images": today.unpriced,
        "budget": {"daily": config.budget.daily, "session": config.budget.session},
    }
    if args.json:
        print(json.dumps(data))
        return exit_codes.EXIT_OK
    line = f"today: {today.describe()}"
    if config.budget.daily is not None:
        line += f" of a daily budget of {usd(config.budget.daily)}"
    print(line)
    if args.prices:
        for (provider, model), price in prices.items():
            print(f"  {provider + ':' + model:<40} {price.describe()}")
    return exit_codes.EXIT_OK
