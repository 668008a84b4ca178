"""How a run that did not end with the provider's answer is put to the user: the state each kind
of error leaves a job in, and the words for an uncertain submit and an unreachable provider."""

from __future__ import annotations

import time

from fluxtui.core.errors import ProviderError
from fluxtui.core.job_run import SENDING
from fluxtui.core.models import ErrorKind, Job, JobError, JobState, short_id
from fluxtui.core.run_parts import Unreachable

STATE_FOR_ERROR = {
    ErrorKind.MODERATED: JobState.MODERATED,
    ErrorKind.NOT_FOUND: JobState.EXPIRED,
    ErrorKind.TIMEOUT: JobState.TIMED_OUT,
    ErrorKind.CANCELLED: JobState.CANCELLED,
}


def uncertain_error(error: ProviderError, label: str, job_id: str) -> JobError:
    message = (
        f"{error.message}. The submit may have reached {label} and been charged, so it is not "
        f"sent again by itself: r or `fluxtui resume --resend {short_id(job_id)}` sends it again"
    )
    return JobError(error.kind, message, error.status_code, error.request_id, error.raw_status)


def was_sending(job: Job) -> bool:
    """fluxtui stopped while the job's submit was going out: no handle, a submit begun."""
    return job.handle is None and any(c.detail == SENDING for c in job.history)


def unreachable_error(unreachable: Unreachable) -> JobError:
    error = unreachable.error
    since = time.strftime("%H:%M", time.localtime(unreachable.since))
    message = (
        f"{error.message}; failing since {since}. The provider may still hold the result: "
        "`fluxtui resume` or r tries again while its URLs live"
    )
    return JobError(error.kind, message, error.status_code, error.request_id, error.raw_status)
