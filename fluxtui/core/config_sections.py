"""The config file's sections beside the providers' plain keys: `[prices]`, `[budget]`, `[sets]`,
a provider's `model_concurrency` table and its transport keys."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from fluxtui.core.budget import Budget, parse_budget
from fluxtui.core.comparison import split_target
from fluxtui.core.config_checks import TomlChecker
from fluxtui.core.inputs import shown
from fluxtui.core.pricing import Price, parse_price
from fluxtui.core.settings import Transport

#: a provider's keys for how fluxtui talks to it (`settings.Transport`), and their types
TRANSPORT_KEYS = {"max_requests_per_second": (int, float), "http2": bool}
#: the highest `max_requests_per_second` taken
MAX_REQUESTS_PER_SECOND = 1000

_BUDGET_KEYS = {"daily": (int, float), "session": (int, float)}


def prices_section(
    table: dict[str, Any], providers: Collection[str], problems: TomlChecker
) -> dict[tuple[str, str], Price]:
    """[prices.PROVIDER] tables: model id = USD per image, or {per_image, per_megapixel}."""
    prices: dict[tuple[str, str], Price] = {}
    for name, models in table.items():
        if not isinstance(models, dict):
            problems.fail("prices", name, 'must be a table like [prices.NAME] of "model" = USD')
        if name not in providers:
            problems.fail(f"prices.{name}", None, f"names no provider: {shown(name)}")
        for model, value in models.items():
            price = parse_price(value)
            if isinstance(price, str):
                problems.fail(f"prices.{name}", model, price)
            prices[(name, model)] = price
    return prices


def budget_section(table: dict[str, Any], problems: TomlChecker) -> Budget:
    problems.check_table(table, _BUDGET_KEYS, section="budget")
    budget = parse_budget(table)
    if isinstance(budget, tuple):
        problems.fail("budget", *budget)
    return budget


def sets_section(
    table: dict[str, Any], providers: Collection[str], problems: TomlChecker
) -> dict[str, tuple[str, ...]]:
    """[sets]: name = ["provider:model", ...]; each provider must exist."""
    sets: dict[str, tuple[str, ...]] = {}
    for name, targets in table.items():
        if not isinstance(targets, list) or not targets:
            problems.fail("sets", name, 'must be a list like ["comet:flux-pro-1.1", "fal"]')
        for text in targets:
            parsed = split_target(text) if isinstance(text, str) else None
            if parsed is None:
                problems.fail("sets", name, f"has {shown(text)}, which is not PROVIDER:MODEL")
            elif parsed[0] not in providers:
                problems.fail(
                    "sets", name, f"has {shown(text)}: no provider is named {shown(parsed[0])}"
                )
        sets[name] = tuple(targets)
    return sets


def model_concurrency_table(
    name: str, table: dict[str, Any], most: int, problems: TomlChecker
) -> dict[str, int]:
    """[providers.NAME] model_concurrency = { "MODEL" = N }: at most N of that model's jobs in
    flight at once (1 to `most`), over the catalog's cap for it."""
    limits: dict[str, int] = {}
    for model, value in table.items():
        if not model.strip():
            problems.fail(f"providers.{name}", "model_concurrency", "names an empty model id")
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
            problems.fail(
                f"providers.{name}",
                "model_concurrency",
                f"{shown(model)} must be a whole number from 1 to {most}, got {shown(value)}",
            )
        limits[model] = value
    return limits


def transport_table(
    section: str, table: dict[str, Any], base: Transport | None, problems: TomlChecker
) -> Transport:
    """[providers.NAME] max_requests_per_second (status polls per second, above 0 up to
    `MAX_REQUESTS_PER_SECOND`) and http2 (true/false), over `base` (already type-checked)."""
    base = base or Transport()
    rate = table.get("max_requests_per_second", base.max_requests_per_second)
    if not 0 < rate <= MAX_REQUESTS_PER_SECOND:
        problems.fail(
            section,
            "max_requests_per_second",
            f"must be above 0 and at most {MAX_REQUESTS_PER_SECOND} (status requests per second), "
            f"got {shown(rate)}",
        )
    return Transport(max_requests_per_second=float(rate), http2=table.get("http2", base.http2))
