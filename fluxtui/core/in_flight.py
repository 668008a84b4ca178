"""How many jobs are in flight at once: per provider, and per model of a provider.

A provider's `concurrency` bounds all its jobs. A model may be bounded tighter: by the catalog's
cap for it (BFL runs 6 flux-kontext-max tasks per key, and answers 429 beyond), or by the config's
`model_concurrency`, which overrides the catalog. A job waits for its model's slot before it takes
one of its provider's, so jobs queued behind a tight model never hold the provider's slots.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fluxtui.core import catalog
from fluxtui.core.settings import ProviderSettings


def model_limit(settings: ProviderSettings, model: str) -> int | None:
    """The most jobs of `model` this provider runs at once, when that is below its
    `concurrency`; None when only the provider's limit applies."""
    limit = settings.model_concurrency.get(model)
    if limit is None:
        limit = catalog.model_spec(catalog.model_table(settings), model).max_in_flight
    return limit if limit is not None and limit < settings.concurrency else None


class InFlight:
    """The semaphores of the providers and of their capped models, made on first use."""

    def __init__(self) -> None:
        self._providers: dict[str, asyncio.Semaphore] = {}
        self._models: dict[tuple[str, str], asyncio.Semaphore] = {}

    @contextlib.asynccontextmanager
    async def slot(self, settings: ProviderSettings, model: str) -> AsyncIterator[None]:
        """Hold one of the model's slots (if it is capped), then one of the provider's."""
        provider = self._providers.setdefault(
            settings.name, asyncio.Semaphore(settings.concurrency)
        )
        limit = model_limit(settings, model)
        if limit is None:
            async with provider:
                yield
            return
        capped = self._models.setdefault((settings.name, model), asyncio.Semaphore(limit))
        async with capped, provider:
            yield
