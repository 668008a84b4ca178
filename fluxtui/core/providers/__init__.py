"""Provider adapters, one per wire protocol, chosen by `ProviderSettings.protocol`."""

from __future__ import annotations

import httpx

from fluxtui.core.errors import ConfigError
from fluxtui.core.models import GenerationRequest
from fluxtui.core.providers.base import Provider
from fluxtui.core.providers.bfl import BflProvider
from fluxtui.core.providers.fal import FalProvider
from fluxtui.core.providers.openai_images import OpenAIImagesProvider
from fluxtui.core.settings import ProviderSettings

ADAPTERS: dict[str, type[Provider]] = {
    "comet": BflProvider,
    "bfl": BflProvider,
    "openai": OpenAIImagesProvider,
    "fal": FalProvider,
}
PROTOCOLS = tuple(ADAPTERS)


def create_provider(settings: ProviderSettings, client: httpx.AsyncClient) -> Provider:
    """The adapter for `settings.protocol`, sending through `client` (owned by the caller)."""
    adapter = ADAPTERS.get(settings.protocol)
    if adapter is None:
        raise ConfigError(
            f"provider {settings.name}: unknown protocol {settings.protocol!r} "
            f"(use one of {', '.join(PROTOCOLS)})"
        )
    return adapter(settings, client)


def validate(protocol: str, table: str, request: GenerationRequest) -> list[str]:
    """What `Provider.validate` finds, without a provider: every problem with `request` for a
    model of `table` on a service speaking `protocol`."""
    return ADAPTERS[protocol].check(table, request)


__all__ = ["PROTOCOLS", "Provider", "create_provider", "validate"]
