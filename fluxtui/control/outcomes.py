"""What the controller answers besides snapshots: how a start went, a page of the library, and
the refusals a face explains to the user."""

from __future__ import annotations

from dataclasses import dataclass

from fluxtui.core.budget import BudgetCheck
from fluxtui.core.comparison import Comparison
from fluxtui.core.errors import FluxtuiError
from fluxtui.core.models import JobSnapshot


class NotReady(FluxtuiError):
    """The engine is not open yet (the simulator is still starting) or is being switched."""

    def __init__(self) -> None:
        super().__init__("still starting: try again in a moment")


class OverBudget(FluxtuiError):
    """Sending would cross a limit of `[budget]`: nothing was sent; ask, then send anyway."""

    def __init__(self, verdict: BudgetCheck) -> None:
        super().__init__(verdict.message())
        self.verdict = verdict


class StillRunning(FluxtuiError):
    """The job runs in this session: cancel it first."""


class OtherMode(FluxtuiError):
    """The job belongs to the other mode (a demo job outside demo mode, or the reverse): the
    message says where it is carried on. Nothing was sent."""


@dataclass(frozen=True)
class Started:
    """Jobs created and running; `note` is the budget's word when a run nears a limit;
    `notice` what the user should hear of how they were started (demo jobs sent again)."""

    jobs: tuple[JobSnapshot, ...]
    note: str | None = None
    comparison: Comparison | None = None
    notice: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of a library query: its jobs and how many the query matches."""

    jobs: tuple[JobSnapshot, ...]
    total: int
