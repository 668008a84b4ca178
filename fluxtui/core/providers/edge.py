"""Where secrets meet an adapter: the auth that adds the key as httpx sends a request, and the
wrapper that scrubs what an adapter's methods return, yield or raise (see `base.Provider`)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncGenerator, Callable, Generator
from contextlib import aclosing
from typing import Any, Protocol, TypeVar

import httpx

from fluxtui.core.errors import ProviderError

T = TypeVar("T")


class Provider(Protocol):
    """What this module needs of an adapter (`base.Provider` is one)."""

    def auth_headers(self) -> dict[str, str]: ...

    def scrubbed(self, value: T) -> T: ...

    def redacted(self, error: ProviderError) -> ProviderError: ...


class KeyAuth(httpx.Auth):
    """Adds a provider's key headers to the request as httpx sends it."""

    def __init__(self, provider: Provider) -> None:
        self._provider = provider

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(self._provider.auth_headers())
        yield request


def at_the_edge(method: Callable[..., Any]) -> Callable[..., Any]:
    """`method` with what it returns, yields or raises scrubbed by its provider."""
    if inspect.iscoroutinefunction(method):

        @functools.wraps(method)
        async def call(self: Provider, *args: Any, **kwargs: Any) -> Any:
            try:
                return self.scrubbed(await method(self, *args, **kwargs))
            except ProviderError as exc:
                self.redacted(exc)
                raise

        return call

    @functools.wraps(method)
    def iterate(self: Provider, *args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
        return _scrubbed_updates(self, method(self, *args, **kwargs))

    return iterate


async def _scrubbed_updates(
    provider: Provider, updates: AsyncGenerator[Any, None]
) -> AsyncGenerator[Any, None]:
    """The updates of a stream, scrubbed; closing this closes the stream."""
    try:
        async with aclosing(updates):
            async for update in updates:
                yield provider.scrubbed(update)
    except ProviderError as exc:
        provider.redacted(exc)
        raise
