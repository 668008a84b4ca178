"""Whether each configured provider's key works, asked for free where a provider allows it: the
check behind `fluxtui providers --check` and the TUI's "Check provider accounts" command.

Only BFL documents a free request that proves a key: `GET /v1/credits` -> `{"credits": N}`, the
balance (1 credit = 0.01 USD). CometAPI, APIYI, fal and other OpenAI-compatible services document
none (every request they take is a paid generation), so nothing is sent to them: they are "no
free check". A refused key (401/403) reads "key refused"; the key itself is never shown, only
where it is set (`key_hint`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx

from fluxtui.core import exit_codes
from fluxtui.core.config import Config
from fluxtui.core.errors import ProviderError
from fluxtui.core.http_clients import new_client
from fluxtui.core.models import ErrorKind
from fluxtui.core.pricing import usd
from fluxtui.core.providers.base import Provider
from fluxtui.core.results import Balance


class AccountState(StrEnum):
    OK = "ok"  # the provider took the key (and told the balance)
    NO_CHECK = "no_check"  # the provider has no free check: nothing was sent
    NO_KEY = "no_key"  # no key is set for it: not asked
    REFUSED = "refused"  # 401/403: the key was refused
    NO_CREDITS = "no_credits"  # 402: the key works, the account is empty
    ERROR = "error"  # could not ask: the service is down, or answered something unreadable


@dataclass(frozen=True)
class AccountStatus:
    """One provider's answer, in words (`message`) and as data."""

    provider: str
    label: str
    state: AccountState
    message: str
    balance: Balance | None = None

    def to_dict(self) -> dict[str, Any]:
        """For `--json`: {"state", "message", "credits", "usd"}."""
        return {
            "state": str(self.state),
            "message": self.message,
            "credits": self.balance.credits if self.balance else None,
            "usd": self.balance.usd if self.balance else None,
        }


async def check(provider: Provider) -> AccountStatus:
    """Ask `provider` for its balance, if it allows that for free; never raises for an answer."""
    name, label = provider.name, provider.label
    try:
        balance = await provider.balance()
    except ProviderError as exc:
        state = {
            ErrorKind.AUTH: AccountState.REFUSED,
            ErrorKind.CREDITS: AccountState.NO_CREDITS,
        }.get(exc.kind, AccountState.ERROR)
        if state is AccountState.NO_CREDITS:  # its message says so: "out of credits at BFL"
            return AccountStatus(name, label, state, str(exc))
        lead = "key refused" if state is AccountState.REFUSED else "could not check"
        return AccountStatus(name, label, state, f"{lead}: {exc}")
    if balance is None:
        message = f"no free check: {label} documents no free request to ask; nothing was sent"
        return AccountStatus(name, label, AccountState.NO_CHECK, message)
    credits = f"{balance.credits:,.2f}".rstrip("0").rstrip(".")
    message = f"key works; balance {credits} credits ({usd(balance.usd)})"
    return AccountStatus(name, label, AccountState.OK, message, balance)


async def check_all(
    config: Config, provider: Callable[[str], Provider], names: Iterable[str] | None = None
) -> list[AccountStatus]:
    """Each provider of `config` (or those `names`) checked in turn; `provider(name)` makes (or
    gives) its adapter. One without a key is not asked."""
    statuses = []
    for name in names or config.providers:
        entry = config.entry(name)
        if not entry.has_key:
            message = entry.missing_key_message
            statuses.append(AccountStatus(name, entry.label, AccountState.NO_KEY, message))
            continue
        statuses.append(await check(provider(name)))
    return statuses


async def check_config(config: Config) -> list[AccountStatus]:
    """`check_all` over adapters of its own (for a command: no engine needed)."""
    from fluxtui.core.providers import create_provider

    async with new_client(timeout=httpx.Timeout(30.0, connect=10.0)) as client:
        return await check_all(config, lambda name: create_provider(config.settings(name), client))


def exit_code(statuses: Iterable[AccountStatus]) -> int:
    """3 when a key was refused (or an account is empty), else 1 when one could not be asked,
    else 0 (no key and no free check are not failures)."""
    states = {status.state for status in statuses}
    if states & {AccountState.REFUSED, AccountState.NO_CREDITS}:
        return exit_codes.EXIT_REFUSED
    return exit_codes.EXIT_OTHER if AccountState.ERROR in states else exit_codes.EXIT_OK
