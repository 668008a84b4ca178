"""OpenAI-compatible Images API: APIYI and a generic gateway (providers.md sections 3-4).

``POST /apiyi/v1/images/generations`` and ``POST /openai/v1/images/generations`` (Bearer).
Synchronous: the answer comes when the image is done: ``{"created": unix, "data": [{"url"}]}``.
Every answer carries an ``x-request-id`` header; errors are ``{"error": {"message", "type",
"param", "code"}}`` (400 for bad parameters, code ``missing_required_parameter``,
``invalid_value`` or ``model_not_found``; 400 ``content_policy_violation`` for moderation).

APIYI: ``model`` from its list, ``n`` only 1, always ``url`` (``response_format`` is ignored).
Fields a model does not take are dropped and listed in the job's ``ignored`` (``strict=1``
refuses them); klein drops ``prompt_upsampling``, as APIYI documents.
Generic: any model, ``n`` 1-4, ``response_format: "b64_json"`` answers ``b64_json``.
Both: ``size`` ("WxH") or ``width``+``height``, not both; sides multiples of 16 in 64-2048,
at most 4 MP.
"""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fluxtui.sim import auth, stopgap_inputs
from fluxtui.sim.context import Sim
from fluxtui.sim.delivery import image_url
from fluxtui.sim.faults import DropConnection
from fluxtui.sim.intake import Submission, fault_message, intake
from fluxtui.sim.validation import FOUR_MP, Checker, ErrorList

#: The fields both dialects take (the flex models also take steps and guidance).
_KNOWN = {
    "model",
    "prompt",
    "size",
    "width",
    "height",
    "n",
    "seed",
    "safety_tolerance",
    "prompt_upsampling",
    "output_format",
}
APIYI_MODELS = (
    "flux-2-max",
    "flux-2-pro",
    "flux-2-flex",
    "flux-2-klein-9b",
    "flux-2-klein-4b",
    "flux-pro-1.1-ultra",
    "flux-pro-1.1",
    "flux-pro",
    "flux-dev",
)
_SIZE = re.compile(r"^\s*(\d+)\s*[xX]\s*(\d+)\s*$")

_ERROR_TYPES = {
    401: "invalid_request_error",
    402: "insufficient_quota",
    429: "rate_limit_error",
    500: "server_error",
    503: "server_error",
}
_ERROR_CODES = {401: "invalid_api_key", 402: "insufficient_quota", 429: "rate_limit_exceeded"}


def error(
    status: int,
    message: str,
    *,
    type_: str | None = None,
    param: str | None = None,
    code: str | None = None,
) -> JSONResponse:
    """An OpenAI-style error answer."""
    body = {
        "message": message,
        "type": type_ or _ERROR_TYPES.get(status, "invalid_request_error"),
        "param": param,
        "code": code or _ERROR_CODES.get(status),
    }
    return JSONResponse({"error": body}, status_code=status)


class OpenAIDialect:
    def refusal(self, refusal: auth.Refusal) -> Response:
        message = {
            auth.Refusal.MISSING: "You didn't provide an API key. Send it in the Authorization "
            "header as 'Bearer YOUR_KEY'.",
            auth.Refusal.WRONG_SCHEME: "Invalid authorization header: expected 'Bearer YOUR_KEY'.",
            auth.Refusal.INVALID: "Incorrect API key provided.",
            auth.Refusal.NO_CREDITS: "You exceeded your current quota: please top up your balance.",
        }[refusal]
        return error(refusal.status, message)

    def invalid(self, errors: ErrorList) -> Response:
        first = errors[0]
        loc = [str(part) for part in first["loc"][1:]]
        param = ".".join(loc) or None
        code = "missing_required_parameter" if first["type"] == "missing" else "invalid_value"
        where = f"Invalid value for '{param}': " if param else "Invalid request: "
        if first["type"] == "json_invalid":
            where = "We could not parse the JSON body of your request: "
        return error(400, where + first["msg"], param=param, code=code)

    def fault(self, code: int) -> Response:
        return error(code, fault_message(code))


def validate(
    service: str, body: dict[str, Any], strict: bool = False
) -> tuple[ErrorList, dict[str, Any]]:
    """The gateway's checks; returns the errors and width, height, fmt, seed, n, b64, and the
    fields it drops (``ignored``; refused instead with ``strict``)."""
    c = Checker(body)
    model = c.string("model", required=True, min_length=1)
    c.string("prompt", required=True, min_length=1)
    size = c.string("size")
    width = height = 1024
    if size is not None:
        if body.get("width") is not None or body.get("height") is not None:
            c.error(
                "size",
                "value_error",
                "Value error, give either size or width/height, not both",
                size,
            )
        elif (match := _SIZE.match(size)) is None:
            c.error("size", "value_error", "Value error, size must look like 1024x1024", size)
        else:
            sides = Checker({"width": int(match[1]), "height": int(match[2])})
            width = sides.integer("width", ge=64, le=2048, multiple_of=16) or width
            height = sides.integer("height", ge=64, le=2048, multiple_of=16) or height
            for side_error in sides.errors:
                side_error["loc"] = ["body", "size"]
                c.errors.append(side_error)
    else:
        width = c.integer("width", ge=64, le=2048, multiple_of=16) or width
        height = c.integer("height", ge=64, le=2048, multiple_of=16) or height
    if width * height > FOUR_MP:
        c.error(
            "size",
            "value_error",
            "Value error, the image may have at most 4 megapixels",
            f"{width}x{height}",
        )
    n = c.integer("n", ge=1, le=1 if service == "apiyi" else 4) or 1
    seed = c.integer("seed")
    c.integer("safety_tolerance", ge=0, le=6)
    c.boolean("prompt_upsampling")
    fmt = c.choice("output_format", ("jpeg", "png")) or "jpeg"
    if model is not None and "flex" in model:
        c.integer("steps", ge=1, le=50)
        c.number("guidance", ge=1.5, le=10)
    b64 = False
    if service == "openai":
        b64 = c.choice("response_format", ("url", "b64_json")) == "b64_json"
    known = _KNOWN | ({"steps", "guidance"} if model is not None and "flex" in model else set())
    if service == "openai":
        known.add("response_format")
    if model is not None and "klein" in model:  # APIYI: klein ignores prompt_upsampling
        known.discard("prompt_upsampling")
    ignored = [name for name in body if name not in known]
    if strict:
        for name in ignored:
            c.error(name, "extra_forbidden", "Extra inputs are not permitted", body[name])
    return c.errors, {
        "ignored": ignored,
        "model": model,
        "width": width,
        "height": height,
        "fmt": fmt,
        "seed": seed,
        "n": n,
        "b64": b64,
    }


def routes(sim: Sim) -> list[Route]:
    dialect = OpenAIDialect()

    def endpoint(service: str) -> Route:
        async def generations(request: Request) -> Response | DropConnection:
            response = await _generate(request, service)
            if isinstance(response, Response):
                response.headers["x-request-id"] = f"req_{secrets.token_hex(16)}"
            return response

        path = f"{sim.urls.mount(service)}/v1/images/generations"
        return Route(path, generations, methods=["POST"])

    async def _generate(request: Request, service: str) -> Response | DropConnection:
        taken = await intake(sim, request, service, dialect)
        if not isinstance(taken, Submission):
            return taken
        errors, values = validate(service, taken.body, taken.directives.strict)
        if errors:
            return dialect.invalid(errors)
        model = values["model"]
        if service == "apiyi" and model not in APIYI_MODELS:
            return error(
                400,
                f"The model '{model}' does not exist or is not available.",
                param="model",
                code="model_not_found",
            )
        d = taken.directives
        moderated = d.status is not None and "moderat" in d.status.lower()
        job = sim.new_job(
            service=service,
            model=model,
            prompt=taken.prompt,
            text=taken.text,
            directives=d,
            submits=taken.attempt,
            key=taken.key,
            width=values["width"],
            height=values["height"],
            fmt=values["fmt"],
            seed=values["seed"],
            num_images=values["n"],
            immediate=moderated,
            received=taken.body,
            ignored=values["ignored"],
        )
        await asyncio.sleep(job.remaining())
        if job.take_drop("submit") or job.take_drop("result"):
            return DropConnection()
        if moderated:
            return error(
                400,
                "Your request was rejected as a result of our safety system.",
                code="content_policy_violation",
            )
        if d.status is not None:
            return error(
                500,
                f"The image could not be generated: {d.status}" + auth.echo(job.key, d.echo_key),
                code="upstream_error",
            )
        data = []
        for index in range(job.num_images):
            image = await sim.image(job, index)
            if values["b64"]:
                data.append({"b64_json": base64.b64encode(image).decode("ascii")})
            else:
                data.append({"url": image_url(sim, job, index)})
        return JSONResponse({"created": int(job.created), "data": data})

    served = [service for service in ("apiyi", "openai") if service in sim.urls.services]
    generations = {service: endpoint(service) for service in served}
    endpoints: dict[str, Any] = {s: route.endpoint for s, route in generations.items()}
    return [*generations.values(), *stopgap_inputs.edits_routes(sim, endpoints)]
