"""Provider adapters, one per wire protocol, chosen by `ProviderSettings.kind`."""

from __future__ import annotations

import httpx

from fluxtui.core.errors import ConfigError
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
PROVIDER_KINDS = tuple(ADAPTERS)


def create_provider(settings: ProviderSettings, client: httpx.AsyncClient) -> Provider:
    """The adapter for `settings.kind`, sending through `client` (owned by the caller)."""
    adapter = ADAPTERS.get(settings.kind)
    if adapter is None:
        raise ConfigError(
            f"provider {settings.name}: unknown kind {settings.kind!r} "
            f"(use one of {', '.join(PROVIDER_KINDS)})"
        )
    return adapter(settings, client)


__all__ = ["PROVIDER_KINDS", "Provider", "create_provider"]
