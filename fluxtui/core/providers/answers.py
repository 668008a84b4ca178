"""Reading the services' HTTP answers: error bodies, status codes, Retry-After, request ids and
moderation refusals, as messages a user can act on. Shared by the adapters (and downloads)."""

from __future__ import annotations

import email.utils
import json
import math
import re
import time
from collections.abc import Mapping
from typing import Any

import httpx

from fluxtui.core.errors import ProviderError
from fluxtui.core.models import ErrorKind
from fluxtui.core.providers.transport import connect_problem, lasting, where

STATUS_KINDS: dict[int, ErrorKind] = {
    400: ErrorKind.VALIDATION,
    401: ErrorKind.AUTH,
    402: ErrorKind.CREDITS,
    403: ErrorKind.AUTH,
    404: ErrorKind.NOT_FOUND,
    410: ErrorKind.NOT_FOUND,
    422: ErrorKind.VALIDATION,
    429: ErrorKind.RATE_LIMITED,
}


def kind_for_status(status_code: int) -> ErrorKind:
    if status_code in STATUS_KINDS:
        return STATUS_KINDS[status_code]
    if status_code >= 500:
        return ErrorKind.SERVER
    return ErrorKind.FAILED


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` as seconds, from either of its forms (delta-seconds or an HTTP date)."""
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def transport_error(provider: str, exc: httpx.TransportError) -> ProviderError:
    """An httpx transport failure as a ProviderError; `request_sent` False: nothing left here."""
    not_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    what = {
        httpx.ConnectError: "could not connect",
        httpx.ConnectTimeout: "timed out connecting",
        httpx.ReadTimeout: "timed out waiting for an answer",
        httpx.WriteTimeout: "timed out sending the request",
        httpx.PoolTimeout: "too many connections in use",
        httpx.RemoteProtocolError: "the connection was dropped",
        httpx.ReadError: "the connection broke while reading",
    }.get(type(exc), "network error")
    problem = connect_problem(exc) if not_sent else None
    message = f"{what}: {problem}" if problem else f"{what} ({where(exc)}, {type(exc).__name__})"
    return ProviderError(
        ErrorKind.TRANSPORT,
        f"{provider}: {message}",
        request_sent=not not_sent,
        lasting=not_sent and lasting(exc),
    )


def excerpt(text: str, limit: int = 200) -> str:
    """`text` on one line, cut to about `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def show_json(data: Any) -> str:
    """A short one-line rendering of a JSON answer, for messages."""
    return excerpt(json.dumps(data, ensure_ascii=False, default=str))


def request_id_of(headers: Mapping[str, str]) -> str | None:
    for name in ("x-request-id", "x-fal-request-id", "request-id"):
        if headers.get(name):
            return headers[name]
    return None


def error_detail(body: Any) -> str | None:
    """Readable text from the error bodies these services send: FastAPI `detail` (a string, or a
    list of {loc, msg}: "width: must be a multiple of 32"), OpenAI `{"error": {"message"}}`,
    `message`."""
    if isinstance(body, str):
        return body.strip() or None
    if not isinstance(body, Mapping):
        return None
    detail = body.get("detail")
    if isinstance(detail, list) and detail:
        return "; ".join(_validation_item(item) for item in detail)
    for value in (detail, body.get("error"), body.get("message"), body.get("msg")):
        if isinstance(value, Mapping):
            value = value.get("message") or value.get("msg") or value.get("detail")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


MODERATION_CODES = frozenset({"content_policy_violation", "moderation_blocked", "content_filter"})
MODERATION_WORDS = re.compile(r"content[ _-]?policy|moderat|safety system", re.IGNORECASE)


def is_moderation(body: Any) -> bool:
    """Whether an error body says a safety filter refused the request: an OpenAI error `code`/`type`
    or a FastAPI `detail[].type` such as content_policy_violation, or words to that effect."""
    codes: set[str] = set()
    if isinstance(body, Mapping):
        error, detail = body.get("error"), body.get("detail")
        if isinstance(error, Mapping):
            codes |= {str(error.get("code")), str(error.get("type"))}
        if isinstance(detail, list):
            codes |= {str(item.get("type")) for item in detail if isinstance(item, Mapping)}
    return bool(codes & MODERATION_CODES) or bool(MODERATION_WORDS.search(error_detail(body) or ""))


def _validation_item(item: Any) -> str:
    if not isinstance(item, Mapping):
        return str(item)
    loc = [str(part) for part in item.get("loc") or () if part != "body"]
    msg = str(item.get("msg") or item.get("type") or "invalid")
    return f"{'.'.join(loc)}: {msg}" if loc else msg


def parse_http_error(
    label: str,
    status: int,
    headers: Mapping[str, str],
    text: str,
    kind: ErrorKind | None = None,
    key_hint: str | None = None,
) -> ProviderError:
    """The ProviderError for a non-2xx answer: kind from the status (unless `kind` is given), a
    message a user can act on (a rejected key names `key_hint`, where the key is set), the request
    id (also in the message: users quote it to support) and `Retry-After`."""
    explicit = kind is not None
    kind = kind or kind_for_status(status)
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = text if text.strip() and not text.lstrip().startswith("<") else None
    detail = error_detail(body)
    detail = excerpt(detail) if detail else None
    retry_after = retry_after_seconds(headers)
    head = {
        ErrorKind.AUTH: f"key rejected by {label} ({status})",
        ErrorKind.CREDITS: f"out of credits at {label} ({status})",
        ErrorKind.RATE_LIMITED: f"{label} is busy: too many requests or jobs in flight ({status})",
        ErrorKind.VALIDATION: f"{label} rejected the request ({status})",
        ErrorKind.NOT_FOUND: f"{label} answered {status} not found",
        ErrorKind.SERVER: f"{label} server error ({status})",
        ErrorKind.MODERATED: f"{label} refused the request on content policy ({status})",
        # only when a caller knows the answer is the model's own failure, not just an odd status
        ErrorKind.FAILED: f"{label}: the generation failed ({status})" if explicit else None,
    }.get(kind) or f"{label} answered HTTP {status}"
    message = f"{head}: {detail}" if detail else head
    if kind is ErrorKind.AUTH and key_hint:
        message += f"; check {key_hint}"
    if retry_after is not None:
        message += f"; retry after {math.ceil(retry_after)} s"
    request_id = request_id_of(headers)
    if request_id:
        message += f" (request id {request_id})"
    return ProviderError(
        kind, message, status_code=status, request_id=request_id, retry_after=retry_after
    )
