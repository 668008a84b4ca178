"""Which engine carries a stored job on: a demo job on the simulator, any other on the user's keys.

A demo job (`Job.demo`) ran on the built-in simulator, which lives in the process that ran it: once
that process has stopped, the job's handle points at a simulator that is gone, and the one running
now knows nothing of it. Nothing was paid for it, so "resuming" it means sending it again to the
simulator running now. A job sent with the user's keys is never sent again this way (a paid submit
is sent once), and never followed on the simulator; nor is a demo job followed on the real services.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from fluxtui.core.models import Job, JobSnapshot
from fluxtui.core.results import Handle

DEMO_RESENT = "demo job re-sent to the simulator: nothing was paid"
DEMO_ELSEWHERE = (
    "a demo job (made on the built-in simulator, nothing was paid): `fluxtui resume --demo` or "
    "the app in demo mode carries it on"
)
REAL_ELSEWHERE = (
    "a job sent with your keys: `fluxtui resume` (without --demo) or the app outside demo mode "
    "carries it on; demo mode never sends it"
)


def resent_notice(count: int) -> str:
    """`DEMO_RESENT` for `count` jobs."""
    return (
        DEMO_RESENT
        if count == 1
        else f"{count} demo jobs re-sent to the simulator: nothing was paid"
    )


def other_mode(job: Job | JobSnapshot, demo: bool) -> str | None:
    """Why an engine in `demo` mode (or not) leaves `job` alone; None when it is its to carry on."""
    if job.demo == demo:
        return None
    return DEMO_ELSEWHERE if job.demo else REAL_ELSEWHERE


def elsewhere(handle: Handle, simulator: Iterable[str]) -> bool:
    """Whether `handle` names a server other than the simulator at the origins `simulator` (its
    URLs, and those of the images it holds): then the simulator that took the job has stopped."""
    origins = {_origin(url) for url in simulator}
    urls = list(handle.urls.values())
    if handle.result is not None:
        urls += [image.url for image in handle.result.images]
    return any(_origin(url) not in origins for url in urls if url.startswith(("http:", "https:")))


def _origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port (the scheme's default when none is written)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # not a port number: no origin of ours
        port = -1
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or ""), port or default
