"""Messages about jobs, and the requests screens send the app (widgets' own are nested in them).

The app turns the engine's events into `JobChanged`s (a burst of them into one); screens that
show jobs get `JobsUpdated` (coalesced, at most ~10 a second), `JobEnded` and, once a second while
jobs run, `Tick`. A screen that wants something only the app does (the clipboard, the main form,
another screen) posts one of the requests below; they bubble up to the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from textual.message import Message

from fluxtui.core.comparison import Comparison
from fluxtui.core.models import GenerationRequest, JobEvent, JobSnapshot


class JobChanged(Message):
    """The engine reported changes to jobs: the `JobEvent`s it sent since the app last read them,
    in order (one message for a burst of events, however many jobs they are about)."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[JobEvent] = []


class JobsUpdated(Message, bubble=False):
    """Sent to each open screen: the jobs that changed since the last one, by id."""

    def __init__(self, jobs: Mapping[str, JobSnapshot]) -> None:
        super().__init__()
        self.jobs = jobs


class JobEnded(Message, bubble=False):
    """Sent to each open screen when a job ends, so that a screen listing jobs can refresh."""

    def __init__(self, job: JobSnapshot) -> None:
        super().__init__()
        self.job = job


class Tick(Message, bubble=False):
    """Sent to each open screen once a second while jobs run: elapsed times move on."""


class EngineReady(Message):
    """The engine is open (after the simulator started, in demo mode): jobs can be sent."""


class CopyPath(Message):
    """Put `path` on the clipboard (OSC 52, wrapped for tmux) and say so."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path


class SendRequest(Message):
    """Send `request` as a new job of the main queue (after the budget check)."""

    def __init__(self, request: GenerationRequest) -> None:
        super().__init__()
        self.request = request


class LoadForm(Message):
    """Copy `request` into the main screen's form and move there."""

    def __init__(self, request: GenerationRequest) -> None:
        super().__init__()
        self.request = request


class UseAsInput(Message):
    """Add image `number` (1-based) of `job` to the main form's input images and move there."""

    def __init__(self, job: JobSnapshot, number: int = 1) -> None:
        super().__init__()
        self.job = job
        self.number = number


class ShowComparison(Message):
    """Open the comparison screen on a stored comparison and its jobs."""

    def __init__(self, comparison: Comparison, jobs: list[JobSnapshot]) -> None:
        super().__init__()
        self.comparison = comparison
        self.jobs = jobs


class JobDeleted(Message):
    """A job (and maybe its files) was deleted from the store: the queue lets it go."""

    def __init__(self, job_id: str) -> None:
        super().__init__()
        self.job_id = job_id
