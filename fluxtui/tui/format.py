"""How jobs read on screen: state glyphs, live details, durations, short names. Pure functions.

Every string that comes from outside (prompts, provider messages, log lines, file names) leaves
here inert (`core.text.inert`): its escape characters shown as ␛ and friends, never sent.
"""

from __future__ import annotations

import os
from pathlib import Path

from fluxtui.core.durations import queue_wait
from fluxtui.core.models import ErrorKind, JobSnapshot, JobState
from fluxtui.core.text import inert

GLYPHS = {
    JobState.PENDING: "·",
    JobState.SUBMITTED: "↑",
    JobState.QUEUED: "○",
    JobState.RUNNING: "●",
    JobState.DOWNLOADING: "↓",
    JobState.DONE: "✓",
    JobState.FAILED: "✗",
    JobState.MODERATED: "⊘",
    JobState.CANCELLED: "–",
    JobState.EXPIRED: "✗",
    JobState.TIMED_OUT: "✗",
    JobState.UNREACHABLE: "?",
    JobState.CACHED: "↓",
    JobState.UNCERTAIN: "?",
}
#: the component class (and so the colour) of each state in the queue
STATE_CLASSES = {
    JobState.PENDING: "muted",
    JobState.SUBMITTED: "active",
    JobState.QUEUED: "waiting",
    JobState.RUNNING: "active",
    JobState.DOWNLOADING: "active",
    JobState.DONE: "done",
    JobState.FAILED: "bad",
    JobState.MODERATED: "warn",
    JobState.CANCELLED: "muted",
    JobState.EXPIRED: "bad",
    JobState.TIMED_OUT: "bad",
    JobState.UNREACHABLE: "warn",
    JobState.CACHED: "warn",
    JobState.UNCERTAIN: "warn",
}
ERROR_HINTS = {
    ErrorKind.AUTH: "check the key: `fluxtui providers` shows where each key comes from",
    ErrorKind.CREDITS: "top up the account at the provider, or switch provider",
    ErrorKind.RATE_LIMITED: "the provider is busy: retry in a moment",
    ErrorKind.SERVER: "the provider failed: retry with r",
    ErrorKind.TRANSPORT: "the provider could not be reached: check the network, then retry with r",
    ErrorKind.MODERATED: "change the prompt or the safety tolerance, then retry",
    ErrorKind.TIMEOUT: "the provider took too long; the job may still finish there",
}
#: what to do about a job whose run ended but that is not over
STATE_HINTS = {
    JobState.UNCERTAIN: "check at the provider first: r asks, then sends it again",
    JobState.UNREACHABLE: "r tries again while the provider keeps the result",
    JobState.CACHED: "make the library folder writable, then r moves the image there",
}


def hint_for(job: JobSnapshot) -> str | None:
    """What the user can do about the way `job` ended, if there is something."""
    if job.state in STATE_HINTS:
        return STATE_HINTS[job.state]
    return ERROR_HINTS.get(job.error.kind) if job.error else None


def duration(seconds: float | None) -> str:
    """0:07, 12:34, 1:02:03; "" when unknown."""
    if seconds is None or seconds < 0:
        return ""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def elapsed(job: JobSnapshot, now: float) -> float | None:
    """Seconds since the job was created, or its whole run once it ended."""
    if job.state.is_terminal:
        return job.timings()["total"]
    return max(0.0, now - job.created_at)


def error_text(job: JobSnapshot) -> str:
    """Why the job ended badly, as the engine worded it (inert)."""
    if job.error:
        return inert(job.error.message, multiline=True)
    return inert((job.history[-1].detail or "") if job.history else "", multiline=True)


def live_detail(job: JobSnapshot, detail: str | None, live: bool, here: bool = True) -> str:
    """The one-line detail of the queue: queue position, progress, log, reason, or result size.

    `here`: whether this app's mode carries the job on (`r`), when it is not live."""
    state = job.state
    if state is JobState.DONE:
        size = f"{job.width}×{job.height}" if job.width and job.height else ""
        count = f"{len(job.files)} images" if len(job.files) > 1 else ""
        return " · ".join(part for part in (size, count) if part)
    if state.is_terminal:
        return short_reason(error_text(job))
    if not live:
        if here:
            return "interrupted · r resumes"
        return "interrupted · demo job" if job.demo else "interrupted · needs keys"
    parts: list[str] = []
    if state is JobState.QUEUED and job.queue_position is not None:
        parts.append(queue_place(job.queue_position, job.place_s))
    if state is JobState.RUNNING and job.progress is not None:
        parts.append(f"{job.progress:.0%}")
    if detail:
        parts.append(inert(detail))
    elif job.log:
        parts.append(inert(job.log))
    return " · ".join(parts)


def queue_place(position: int, place_s: float | None) -> str:
    """A queued job's place, "#3 in queue", with when it should start if the store has learnt
    how long a place in this queue takes: "#3 in queue, starts in ~4.5 s"."""
    wait = queue_wait(position, place_s)
    return f"#{position + 1} in queue, starts in {wait}" if wait else f"#{position + 1} in queue"


def short_reason(message: str) -> str:
    """An error message's head: "key rejected by fal (401): …" -> "key rejected by fal (401)"."""
    head, _, rest = message.partition(": ")
    return head if rest and " " in head else message


def short_model(model: str) -> str:
    """fal-ai/flux-pro/v1.1 -> flux-pro/v1.1; BFL ids stay as they are."""
    return model.split("/", 1)[1] if model.startswith("fal-ai/") else model


def one_line(text: str) -> str:
    """`text` on one line, inert: runs of whitespace made one space, controls shown (␛)."""
    return inert(" ".join(text.split()))


def short_path(path: str | Path) -> str:
    """The path with the home folder as ~ (inert: a file name may hold anything)."""
    text = inert(str(path))
    home = os.path.expanduser("~")
    return "~" + text[len(home) :] if home != "/" and text.startswith(home + os.sep) else text


def progress_bar(progress: float | None, width: int) -> str:
    """A bar of block characters; an empty track when progress is unknown."""
    width = max(1, width)
    if progress is None:
        return "░" * width
    filled = round(max(0.0, min(1.0, progress)) * width)
    return "█" * filled + "░" * (width - filled)


def seed_of(job: JobSnapshot) -> int | None:
    """The job's seed: the one it reported, else the one it asked for."""
    seed = job.seed if job.seed is not None else job.request.params.get("seed")
    return seed if isinstance(seed, int) else None
