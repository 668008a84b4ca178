"""fal's platform headers (requests to the queue, providers.md section 6): how long a job may
wait to start (`X-Fal-Request-Timeout`) and its queue priority (`X-Fal-Queue-Priority`), and
the answer fal gives when a job could not start in time: a 504 with
`X-Fal-Request-Timeout-Type: user` (providers.md), or a COMPLETED status whose `error_type` is
`request_timeout` (`TIMEOUT_ERROR_TYPE`)."""

from __future__ import annotations

from collections.abc import Mapping

from fluxtui.core.errors import ProviderError
from fluxtui.core.models import ErrorKind
from fluxtui.core.settings import ProviderSettings

REQUEST_TIMEOUT = "X-Fal-Request-Timeout"
QUEUE_PRIORITY = "X-Fal-Queue-Priority"
TIMEOUT_TYPE = "X-Fal-Request-Timeout-Type"
TIMEOUT_ERROR_TYPE = "request_timeout"


def submit_headers(settings: ProviderSettings) -> dict[str, str]:
    """fal's platform headers for a submit: how long the job may wait to start (the job's
    timeout, in whole seconds) and the queue priority, when configured."""
    headers = {}
    seconds = start_within_s(settings)
    if seconds is not None:
        headers[REQUEST_TIMEOUT] = str(seconds)
    if settings.queue_priority:
        headers[QUEUE_PRIORITY] = settings.queue_priority
    return headers


def start_within_s(settings: ProviderSettings) -> int | None:
    """The whole seconds a job may wait in fal's queue: the job's timeout (at least 1)."""
    return max(1, int(settings.timeout_s)) if settings.timeout_s else None


def not_started(label: str, seconds: int | None) -> str:
    """What to say of a job fal dropped because it could not start within `seconds`."""
    within = f"within {seconds} s" if seconds is not None else "in time"
    return f"{label} dropped the job: it could not start {within} (not charged)"


def queue_timeout(
    label: str, status: int, headers: Mapping[str, str], settings: ProviderSettings
) -> ProviderError | None:
    """The end of a job fal dropped because it could not start within its request timeout
    (504 with `X-Fal-Request-Timeout-Type: user`); None for any other answer."""
    if status != 504 or headers.get(TIMEOUT_TYPE, "").strip().lower() != "user":
        return None
    return ProviderError(
        ErrorKind.TIMEOUT,
        not_started(label, start_within_s(settings)),
        status_code=status,
        raw_status="HTTP 504 (request timeout)",
        ends_job=True,
    )
