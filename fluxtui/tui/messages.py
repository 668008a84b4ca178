"""Messages the app sends itself about jobs (widgets' own messages are nested in their classes)."""

from __future__ import annotations

from textual.message import Message

from fluxtui.core.models import JobEvent


class JobChanged(Message):
    """The engine reported a change to a job (one message per `JobEvent`)."""

    def __init__(self, event: JobEvent) -> None:
        super().__init__()
        self.event = event


class JobEnded(Message, bubble=False):
    """Sent to the screen on top when a job ends, so that a screen listing jobs can refresh."""

    def __init__(self, job_id: str) -> None:
        super().__init__()
        self.job_id = job_id


class EngineReady(Message):
    """The engine is open (after the simulator started, in demo mode): jobs can be sent."""
