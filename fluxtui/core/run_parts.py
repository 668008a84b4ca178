"""What a job's run is made of, apart from its steps: the context the engine hands down, the
switches a run obeys, and the ways a run ends that are not a provider's answer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx

from fluxtui.core.errors import ProviderError
from fluxtui.core.learned import History
from fluxtui.core.models import ErrorKind, Job
from fluxtui.core.poller import Poller
from fluxtui.core.retry import Backoff
from fluxtui.core.store import Store

#: failures of a submit that say the provider refused it: nothing was taken, nothing charged
REFUSALS = frozenset(
    {
        ErrorKind.AUTH,
        ErrorKind.CREDITS,
        ErrorKind.VALIDATION,
        ErrorKind.MODERATED,
        ErrorKind.INVALID,
        ErrorKind.FAILED,
        ErrorKind.NOT_FOUND,
    }
)
#: download failures that end the job: the URL expired or was revoked (no retry brings it back)
FINAL_DOWNLOAD_KINDS = frozenset({ErrorKind.NOT_FOUND, ErrorKind.MODERATED})


class Schedule(Protocol):
    def next_delay(
        self, elapsed: float, *, eta: float | None = None, retry_after: float | None = None
    ) -> float: ...


class Cancelled(Exception):
    """The user cancelled the job."""


class LeaseLost(Exception):
    """Another process took the job over (this one stalled past its lease): stop, write nothing."""


class Uncertain(Exception):
    """The submit may have reached the provider (and been charged): not sent again by itself."""

    def __init__(self, error: ProviderError):
        super().__init__(error.message)
        self.error = error


class Unreachable(Exception):
    """The deadline passed while the provider (or the disk) kept failing: the job is resumable."""

    def __init__(self, error: ProviderError, since: float):
        super().__init__(error.message)
        self.error = error
        self.since = since


@dataclass
class Control:
    """A running job's switches: the user's cancel, and the loss of its lease."""

    cancel: asyncio.Event = field(default_factory=asyncio.Event)
    lost: bool = False


@dataclass(frozen=True)
class RunContext:
    """What every run shares, handed down by the engine."""

    store: Store
    library: Path
    cache: Path  # where images go when the library cannot be written
    downloads: httpx.AsyncClient  # carries no key: download URLs never get one
    schedule: Callable[[], Schedule]
    backoff: Backoff
    stream: bool
    timeout_s: float
    emit: Callable[[Job, str | None], None]
    poller: Callable[[str], Poller]  # the named provider's shared poller
    history: History | None  # ready times learnt from the store; None: `schedule` always
