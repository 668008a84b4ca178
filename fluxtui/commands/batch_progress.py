"""A batch's live progress on stderr: `ProgressPrinter`'s line per running job, under a bar of
the batch (done, failed, running and left, the ETA, the spend). Off a terminal the printer's
plain lines go on as they are, and each finished line is told once.

The ETA is the lines left times the mean time a line takes, over the number running at once: the
mean of this run's finished lines, else of the store's recent jobs of the same models.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fluxtui.commands.progress import ProgressPrinter
from fluxtui.core.durations import human
from fluxtui.core.pricing import usd

if TYPE_CHECKING:
    from rich.console import RenderableType


@dataclass
class Tally:
    """The batch's counts as it runs; `prior_s` the store's mean seconds per job (None: none
    known), `concurrency` how many lines run at once."""

    total: int
    concurrency: int
    prior_s: float | None = None
    done: int = 0
    failed: int = 0
    running: int = 0
    spent_usd: float = 0.0
    _seconds: float = 0.0
    _timed: int = 0

    def ended(self, made: bool, seconds: float | None, cost: float | None) -> None:
        self.running = max(0, self.running - 1)
        if made:
            self.done += 1
        else:
            self.failed += 1
        if seconds is not None:
            self._seconds += seconds
            self._timed += 1
        self.spent_usd += cost or 0.0

    @property
    def left(self) -> int:
        return max(0, self.total - self.done - self.failed)

    def eta_s(self) -> float | None:
        """Seconds until the last line should end; None while nothing tells."""
        mean = self._seconds / self._timed if self._timed else self.prior_s
        if mean is None:
            return None
        waves = self.left / max(1, min(self.concurrency, self.left or 1))
        return mean * waves

    def text(self) -> str:
        eta = self.eta_s()
        parts = [
            f"{self.done + self.failed}/{self.total} lines",
            f"{self.done} done",
            f"{self.failed} failed",
            f"{self.running} running",
        ]
        if eta is not None and self.left:
            parts.append(f"about {human(eta)} left")
        parts.append(f"spent {usd(self.spent_usd)}")
        return " · ".join(parts)


class BatchPrinter(ProgressPrinter):
    """`ProgressPrinter` with the batch's bar above its lines (on a terminal)."""

    def __init__(self, tally: Tally):
        super().__init__([])
        self.tally = tally
        self.started = time.time()

    def _render(self) -> RenderableType:
        from rich.console import Group
        from rich.progress_bar import ProgressBar
        from rich.table import Table
        from rich.text import Text

        tally = self.tally
        head = Table.grid(padding=(0, 1))
        head.add_column(width=30)
        head.add_column(no_wrap=True, overflow="ellipsis")
        head.add_row(
            ProgressBar(total=max(1, tally.total), completed=tally.done + tally.failed, width=30),
            Text(tally.text()),
        )
        return Group(head, super()._render())
