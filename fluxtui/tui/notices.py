"""The news of jobs that ended, coalesced: fifteen jobs ending together make a notification or
two ("✓ 15 jobs done · fal", "✗ 2 failed · comet" with the reason), not fifteen.

Ended jobs are held until none has ended for `window_s` (but no longer than `cap_s` after the
first), then said in one notification per provider and outcome (at most `MAX_NOTICES`). The window
title and the bell (the user's `on_done`) are given once per batch too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from textual.notifications import SeverityLevel
from textual.timer import Timer

from fluxtui.core.models import JobSnapshot, JobState
from fluxtui.tui import format as fmt

#: notifications at most per batch; the rest are counted in the last one
MAX_NOTICES = 3
PROMPT_CHARS = 60
MIN_WAIT_S = 0.01  # the shortest wait for the burst's end (a zero-length timer fails in Textual)


@dataclass(frozen=True)
class Notice:
    """One notification: its words and its severity."""

    title: str
    message: str
    severity: SeverityLevel


@dataclass
class Outcome:
    """Jobs of one provider that ended the same way (for a failure: with the same reason)."""

    provider: str
    state: JobState
    reason: str
    jobs: list[JobSnapshot] = field(default_factory=list)

    def notice(self) -> Notice:
        done = self.state is JobState.DONE
        severity: SeverityLevel = "information" if done else "error"
        glyph, count = fmt.GLYPHS[self.state], len(self.jobs)
        if count == 1:
            title = f"{glyph} {self.state.label} · {self.provider}"
        elif done:
            title = f"{glyph} {count} jobs done · {self.provider}"
        else:
            title = f"{glyph} {count} {self.state.label} · {self.provider}"
        prompts = " · ".join(dict.fromkeys(fmt.one_line(job.request.prompt) for job in self.jobs))
        if len(prompts) > PROMPT_CHARS:
            prompts = prompts[: PROMPT_CHARS - 1] + "…"
        # the prompts, then why they failed (a lone job's whole reason, a group's short one)
        reason = fmt.error_text(self.jobs[0]) if count == 1 else self.reason
        message = f"{prompts}\n{reason}" if reason and not done else prompts
        return Notice(title, message, severity)


def notices(jobs: list[JobSnapshot]) -> list[Notice]:
    """What to say about `jobs`, ended together: a notice per provider and outcome, in the order
    they ended; past MAX_NOTICES, the last says how many more ended."""
    outcomes: dict[tuple[str, JobState, str], Outcome] = {}
    for job in jobs:
        reason = "" if job.state is JobState.DONE else fmt.short_reason(fmt.error_text(job))
        key = (job.request.provider, job.state, reason)
        outcomes.setdefault(key, Outcome(*key)).jobs.append(job)
    said = [outcome.notice() for outcome in outcomes.values()]
    if len(said) <= MAX_NOTICES:
        return said
    rest = list(outcomes.values())[MAX_NOTICES - 1 :]
    count = sum(len(outcome.jobs) for outcome in rest)
    failed = any(outcome.state is not JobState.DONE for outcome in rest)
    words = ", ".join(sorted({outcome.provider for outcome in rest}))
    more = Notice(
        f"{count} more jobs ended · {words}", "see the queue", "error" if failed else "information"
    )
    return [*said[: MAX_NOTICES - 1], more]


class EndedNews:
    """Holds the jobs that end until the burst is over, then hands their notices to `say`."""

    def __init__(
        self,
        set_timer: Callable[[float, Callable[[], None]], Timer],
        say: Callable[[list[JobSnapshot], list[Notice]], None],
        *,
        window_s: float = 0.6,
        cap_s: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.set_timer = set_timer
        self.say = say
        self.window_s = window_s
        self.cap_s = cap_s
        self.clock = clock
        self.ended: list[JobSnapshot] = []  # this burst's jobs
        self.pending: list[JobSnapshot] = []  # those of them to announce
        self._first = 0.0
        self._timer: Timer | None = None

    def add(self, job: JobSnapshot, *, announce: bool) -> None:
        """`job` ended; `announce`: whether it needs a notification (the window title and the
        bell count it either way)."""
        if not self.ended:
            self._first = self.clock()
        self.ended.append(job)
        if announce:
            self.pending.append(job)
        if self._timer is not None:
            self._timer.stop()
        left = self.cap_s - (self.clock() - self._first)
        self._timer = self.set_timer(max(MIN_WAIT_S, min(self.window_s, left)), self.flush)

    def flush(self) -> None:
        """Say the burst now."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        ended, self.ended = self.ended, []
        pending, self.pending = self.pending, []
        if ended:
            self.say(ended, notices(pending))
