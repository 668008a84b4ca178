"""The one back-off rule for every retry after a failure: exponential, capped, jittered.

Jitter keeps many jobs that failed together (a provider's outage) from retrying in lock step; a
provider's `Retry-After` is a floor, never shortened.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """`base_s`, twice that, four times … up to `cap_s`, each ±`jitter`; never under Retry-After."""

    base_s: float = 0.5
    cap_s: float = 30.0
    jitter: float = 0.2
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before try number `attempt + 1` (`attempt` counts from 1)."""
        step = min(self.cap_s, self.base_s * 2.0 ** min(attempt - 1, 32))
        jittered = step * (1 + self.rng.uniform(-self.jitter, self.jitter))
        return max(jittered, retry_after or 0.0)
