"""The process exit codes of `fluxtui` and its commands, shared by both faces.

0 done, 2 bad input (or over budget), 3 refused by the provider (key, credits, moderation),
4 timed out, 1 anything else.
"""

from __future__ import annotations

from fluxtui.core.models import ErrorKind, JobError, JobState

EXIT_OK = 0
EXIT_OTHER = 1
EXIT_BAD_INPUT = 2
EXIT_REFUSED = 3
EXIT_TIMED_OUT = 4

#: the error kinds that mean the provider refused the job (exit code 3)
REFUSALS = frozenset({ErrorKind.AUTH, ErrorKind.CREDITS, ErrorKind.MODERATED})


def for_outcome(state: JobState, error: JobError | None) -> int:
    """The exit code for a job that ended in `state` with `error`."""
    if state in (JobState.DONE, JobState.CACHED):  # cached: the image is on disk all the same
        return EXIT_OK
    if state is JobState.TIMED_OUT:
        return EXIT_TIMED_OUT
    if state is JobState.MODERATED or (error and error.kind in REFUSALS):
        return EXIT_REFUSED
    return EXIT_OTHER


def first_failure(codes: list[int]) -> int:
    """The first non-zero code of several jobs, else 0."""
    return next((code for code in codes if code != EXIT_OK), EXIT_OK)
