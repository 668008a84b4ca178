"""What every submit goes through before a service looks at its parameters.

Order: credentials, the body's size (over ``SimConfig.max_body_bytes``: 413), the JSON body (or
a form the route read), ``[[sim: ...]]`` directives, per-job latency, the submit count of the
prompt, and a ``submit=CODE`` fault. Each service words its refusals through a :class:`Dialect`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response

from fluxtui.sim import auth, directives
from fluxtui.sim.context import Sim
from fluxtui.sim.directives import Directives
from fluxtui.sim.validation import ErrorList, parse_json_object

#: Messages for error codes a directive injects (other codes use the HTTP reason phrase).
FAULT_MESSAGES = {
    400: "Bad request",
    401: "Invalid API key",
    402: "Insufficient credits",
    413: "Request entity too large",
    429: "Too many requests: rate limit or too many active tasks, retry later",
    500: "Internal server error",
    503: "Service temporarily unavailable, retry later",
}


def fault_message(code: int) -> str:
    return FAULT_MESSAGES.get(code) or HTTPStatus(code).phrase


class Dialect(Protocol):
    """How one service words its errors."""

    def refusal(self, refusal: auth.Refusal) -> Response: ...

    def invalid(self, errors: ErrorList) -> Response:
        """A request the service rejects (pydantic-style ``errors``)."""
        ...

    def fault(self, code: int) -> Response:
        """The answer for a directive-injected HTTP ``code``."""
        ...


def fault_response(dialect: Dialect, code: int, d: Directives) -> Response:
    """``dialect.fault(code)`` with ``Retry-After`` on 429/503 when the directive asks for it."""
    response = dialect.fault(code)
    if code in (429, 503) and d.retry_after is not None:
        seconds = d.retry_after
        response.headers["Retry-After"] = str(int(seconds) if seconds.is_integer() else seconds)
    return response


@dataclass
class Submission:
    """A submit that passed intake: its body, prompt (as sent and as drawn) and directives."""

    body: dict[str, Any]
    prompt: str  # "" when the body has no string prompt (the service's validation says so)
    text: str
    directives: Directives
    attempt: int  # this submit's number for (service, prompt), 1-based
    key: str = ""  # the API key the submit came with (echoed by ``echo_key=1``)
    headers: dict[str, str] = field(default_factory=dict)  # its ``X-Fal-*`` headers


def platform_headers(request: Request) -> dict[str, str]:
    """The request's ``X-Fal-*`` headers (fal's platform headers), names lower-cased."""
    return {name: value for name, value in request.headers.items() if name.startswith("x-fal-")}


async def read_body(sim: Sim, request: Request) -> bytes | None:
    """The request's body, or None when it is over ``SimConfig.max_body_bytes``."""
    limit = sim.config.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            return None
    return bytes(data)


async def intake(
    sim: Sim,
    request: Request,
    service: str,
    dialect: Dialect,
    form: dict[str, Any] | None = None,
) -> Submission | Response:
    """A :class:`Submission`, or the response that ends the request. ``form``: the body as a
    route read it (a multipart form), instead of JSON."""
    refusal = auth.check(service, request.headers, sim.config.required_keys)
    if refusal is not None:
        return dialect.refusal(refusal)
    key = auth.received_key(service, request.headers)
    body = form
    if body is None:
        raw = await read_body(sim, request)
        if raw is None:
            return dialect.fault(413)
        body, errors = parse_json_object(raw)
        if body is None:
            return dialect.invalid(errors)
    prompt = body.get("prompt")
    if not isinstance(prompt, str):  # the service's validation reports it
        return Submission(body, "", "", Directives(), 1, key, platform_headers(request))
    try:
        text, d = directives.parse(prompt)
    except directives.DirectiveError as exc:
        return dialect.invalid(
            [
                {
                    "type": "value_error",
                    "loc": ["body", "prompt"],
                    "msg": f"Value error, {exc}",
                    "input": prompt,
                    "ctx": {"error": str(exc)},
                }
            ]
        )
    await sim.pause(d)
    attempt = sim.store.count_submit(service, prompt)
    if d.submit is not None and directives.within(d.submit_times, attempt):
        return fault_response(dialect, d.submit, d)
    return Submission(body, prompt, text, d, attempt, key, platform_headers(request))
