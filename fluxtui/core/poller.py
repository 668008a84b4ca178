"""One poller per provider: every job's next status request waits its turn here.

A job that wants to poll in `delay` seconds (`wait`) puts a future on the provider's heap of due
polls. One timer (no task, no sleeping coroutine per job) fires at the earliest due poll and
releases every poll that is due then (or within `SLACK_S`), in one go, as far as the provider's
request budget allows: a token bucket of `rate` requests per second, holding at most `burst` (one
second's worth), so that over any stretch of T seconds at most `burst + rate * T` polls go out;
and at most `most_at_once` released polls unanswered at a time (`done` says one was answered), so
that a slow provider gets a queue here, in order, not hundreds of requests piled up in the HTTP
client (whose pool scans them all on each request). Polls held back go out in the order they
fell due.

A job cancelled while it waits leaves its future behind, cancelled: the timer skips it.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools

#: released polls that may be unanswered at once
MOST_AT_ONCE = 16
#: polls due this soon after the timer fires go with it: polls meant to go together (a burst of
#: jobs started in one go) stay together though each asked a few microseconds (or, on a busy
#: machine, milliseconds) after the one before; a poll goes out at most this much early
SLACK_S = 0.01


class Poller:
    """The shared timer of one provider's polls, under a budget (`rate` None: no budget)."""

    def __init__(self, rate: float | None = None, most_at_once: int = MOST_AT_ONCE):
        self.rate = rate
        self.most_at_once = most_at_once
        self.unanswered = 0
        self.burst = max(1.0, rate) if rate else 0.0
        self._tokens = self.burst
        self._filled_at: float | None = None
        self._due: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        #: polls released so far (read by tests and bench/)
        self.released = 0

    async def wait(self, delay: float) -> None:
        """Return after about `delay` seconds, once the budget has room for one request."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        due = loop.time() + max(0.0, delay)
        heapq.heappush(self._due, (due, next(self._order), future))
        if self._timer is None or due < self._timer_at:
            self._arm(loop, due)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.done()  # released, but its job was cancelled before it could ask
            raise

    def done(self) -> None:
        """A released poll was answered (or failed): room for the next."""
        self.unanswered -= 1
        if self._due and self._timer is None:
            loop = asyncio.get_running_loop()
            self._arm(loop, loop.time())

    def close(self) -> None:
        """Stop the timer; jobs still waiting are cancelled."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for _, _, future in self._due:
            future.cancel()
        self._due.clear()

    def _arm(self, loop: asyncio.AbstractEventLoop, at: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = at
        self._timer = loop.call_at(at, self._fire, loop)

    def _fire(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        now = loop.time()
        self._refill(now)
        due = self._due
        while due:
            at, _, future = due[0]
            if future.done():  # its job was cancelled meanwhile
                heapq.heappop(due)
                continue
            if at > now + SLACK_S:
                self._arm(loop, at)
                return
            if self.unanswered >= self.most_at_once:
                return  # `done` fires again
            if self.rate is not None:
                if self._tokens < 1.0:
                    self._arm(loop, now + (1.0 - self._tokens) / self.rate)
                    return
                self._tokens -= 1.0
            heapq.heappop(due)
            self.released += 1
            self.unanswered += 1
            future.set_result(None)

    def _refill(self, now: float) -> None:
        if self.rate is None:
            return
        if self._filled_at is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._filled_at) * self.rate)
        self._filled_at = now
