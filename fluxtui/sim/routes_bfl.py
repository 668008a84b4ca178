"""Black Forest Labs and CometAPI: submit, then poll ``get_result`` (providers.md sections 1-2).

- BFL (``x-key``): ``POST /bfl/v1/{model}`` -> ``{"id", "polling_url", "cost", "input_mp",
  "output_mp"}``; ``polling_url`` names the *cluster* host. ``GET /bfl/v1/get_result?id=``.
- Comet (``Authorization: Bearer``): ``POST /comet/flux/v1/{model}`` -> ``{"id",
  "polling_url"}``; ``GET /comet/flux/v1/get_result?id=``.

A poll answers ``{"id", "status", "result", "progress", "details"}``: ``Pending`` (queued, or
running with ``progress`` 0..1), then ``Ready`` with ``result: {"sample", "seed", "prompt",
"start_time", "end_time", "duration"}``, or a directive's final status (``details`` then says
why). An unknown id answers 200 ``{"id", "status": "Task not found", "result": null}`` (or 404
``{"detail": "Task not found"}`` with ``SimConfig.not_found_as_404``).

Errors: BFL is FastAPI: ``{"detail": "message"}``, and 422 ``{"detail": [{"loc", "msg",
"type", ...}]}``. Comet is a gateway: its own errors (credentials, credits, rate limits, 5xx)
are ``{"error": {"message", "type", "param", "code"}}``, while validation errors pass through
from BFL as 422 ``{"detail": [...]}``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fluxtui.sim import auth
from fluxtui.sim.context import Sim
from fluxtui.sim.delivery import image_url
from fluxtui.sim.faults import DropConnection
from fluxtui.sim.intake import Submission, fault_message, fault_response, intake
from fluxtui.sim.jobs import Job, Phase
from fluxtui.sim.render import ULTRA_PIXELS, aspect_size
from fluxtui.sim.validation import FOUR_MP, Checker, ErrorList

#: Statuses a directive makes final at once, without queueing or running.
IMMEDIATE = ("Request Moderated", "Task not found")

_REFUSALS = {
    auth.Refusal.MISSING: "Not authenticated",
    auth.Refusal.WRONG_SCHEME: "Not authenticated",
    auth.Refusal.INVALID: "Invalid API key",
    auth.Refusal.NO_CREDITS: "Insufficient credits. Add credits to your account to continue.",
}


class BflDialect:
    """FastAPI-style errors."""

    def refusal(self, refusal: auth.Refusal) -> Response:
        return JSONResponse({"detail": _REFUSALS[refusal]}, status_code=refusal.status)

    def invalid(self, errors: ErrorList) -> Response:
        return JSONResponse({"detail": errors}, status_code=422)

    def fault(self, code: int) -> Response:
        if code == 422:
            return self.invalid(
                [
                    {
                        "type": "value_error",
                        "loc": ["body"],
                        "msg": "Value error, invalid request",
                        "input": None,
                    }
                ]
            )
        return JSONResponse({"detail": fault_message(code)}, status_code=code)


class CometDialect(BflDialect):
    """A gateway's OpenAI-like errors, except validation errors passed through from BFL."""

    _CODES: ClassVar[dict[int, str]] = {
        401: "invalid_api_key",
        402: "insufficient_quota",
        429: "rate_limit_exceeded",
    }

    def _error(self, code: int, message: str) -> Response:
        error = {
            "message": message,
            "type": "comet_api_error",
            "param": "",
            "code": self._CODES.get(code, str(code)),
        }
        return JSONResponse({"error": error}, status_code=code)

    def refusal(self, refusal: auth.Refusal) -> Response:
        message = {
            auth.Refusal.MISSING: "No API key provided: send Authorization: Bearer <key>",
            auth.Refusal.WRONG_SCHEME: "Invalid authorization header: expected Bearer <key>",
            auth.Refusal.INVALID: "Invalid token",
            auth.Refusal.NO_CREDITS: "Insufficient quota: please top up your balance",
        }[refusal]
        return self._error(refusal.status, message)

    def fault(self, code: int) -> Response:
        return super().fault(code) if code == 422 else self._error(code, fault_message(code))


def validate(model: str, body: dict[str, Any]) -> tuple[ErrorList, dict[str, Any]]:
    """BFL's server-side checks for ``model`` (unknown models are checked like flux-dev).

    Returns the errors and the values a job needs: width, height, fmt, seed.
    """
    c = Checker(body)
    c.string("prompt", required=True, min_length=1)
    c.string("image_prompt")
    c.boolean("prompt_upsampling")
    c.string("webhook_url")
    c.string("webhook_secret")
    seed = c.integer("seed")
    fmt = c.choice("output_format", ("jpeg", "png")) or "jpeg"
    if model.startswith("flux-pro-1.1-ultra"):
        c.integer("safety_tolerance", ge=0, le=6)
        c.boolean("raw")
        c.number("image_prompt_strength", ge=0, le=1)
        size = _ultra_size(c)
    elif model.startswith("flux-2-"):
        c.integer("safety_tolerance", ge=0, le=5)
        if "flex" in model:
            c.integer("steps", ge=1, le=50)
            c.number("guidance", ge=1.5, le=10)
        width = c.integer("width", ge=64, multiple_of=16) or 1024
        height = c.integer("height", ge=64, multiple_of=16) or 1024
        if width * height > FOUR_MP:
            c.error(
                None,
                "value_error",
                "Value error, width * height must be at most 4 megapixels",
                {"width": width, "height": height},
            )
        size = (width, height)
    else:
        c.integer("safety_tolerance", ge=0, le=6)
        if model != "flux-pro-1.1":
            c.integer("steps", ge=1, le=50)
            c.number("guidance", ge=1.5, le=5)
        if model == "flux-pro":
            c.integer("interval", ge=1, le=4)
        size = (
            c.integer("width", ge=256, le=1440, multiple_of=32) or 1024,
            c.integer("height", ge=256, le=1440, multiple_of=32) or 768,
        )
    return c.errors, {"width": size[0], "height": size[1], "fmt": fmt, "seed": seed}


def _ultra_size(c: Checker) -> tuple[int, int]:
    """The drawn size for ``aspect_ratio`` (default 16:9), which must lie in 21:9..9:21."""
    ratio = c.string("aspect_ratio") or "16:9"
    size = aspect_size(ratio, ULTRA_PIXELS)
    if size is not None:
        w, _, h = ratio.partition(":")
        if 9 / 21 <= int(w) / int(h) <= 21 / 9:
            return size
    c.error(
        "aspect_ratio",
        "value_error",
        "Value error, Aspect ratio must be between 21:9 and 9:21",
        ratio,
    )
    return 0, 0  # the request is refused: no job is made with this size


def _cost(model: str) -> float:
    """Credits per image (illustrative figures)."""
    if model.startswith("flux-pro-1.1-ultra"):
        return 6.0
    if model.startswith("flux-2-"):
        return 1.5 if "klein" in model else 3.0
    return {"flux-pro": 5.0, "flux-pro-1.1": 4.0}.get(model, 2.5)


def routes(sim: Sim) -> list[Route]:
    def endpoints(service: str, prefix: str, poll_host: str, dialect: BflDialect) -> list[Route]:
        """Submit and poll routes of ``service``; its polling URLs name ``poll_host``."""

        async def submit(request: Request) -> Response | DropConnection:
            model = request.path_params["model"]
            taken = await intake(sim, request, service, dialect)
            if not isinstance(taken, Submission):
                return taken
            errors, values = validate(model, taken.body)
            if errors:
                return dialect.invalid(errors)
            d = taken.directives
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
                immediate=d.status in IMMEDIATE,
            )
            if job.take_drop("submit"):
                return DropConnection()
            answer: dict[str, Any] = {
                "id": job.id,
                "polling_url": f"{poll_host}{prefix}/get_result?id={job.id}",
            }
            if service == "bfl":
                answer |= {
                    "cost": _cost(model),
                    "input_mp": 0.0,
                    "output_mp": round(job.width * job.height / 1e6, 2),
                }
            return JSONResponse(answer)

        async def get_result(request: Request) -> Response | DropConnection:
            refusal = auth.check(service, request.headers, sim.config.required_keys)
            if refusal is not None:
                return dialect.refusal(refusal)
            job_id = request.query_params.get("id")
            if not job_id:
                return dialect.invalid(
                    [
                        {
                            "type": "missing",
                            "loc": ["query", "id"],
                            "msg": "Field required",
                            "input": None,
                        }
                    ]
                )
            job = sim.store.get(job_id, (service,))
            if job is None:
                return _not_found(job_id)
            await sim.pause(job.directives)
            code = job.take_poll()
            if code is not None:
                return fault_response(dialect, code, job.directives)
            if job.take_drop("poll"):
                return DropConnection()
            if job.take_garble():
                return Response("<html>502 hiccup", status_code=200, media_type="text/html")
            answer = await _poll_answer(job)
            if answer["status"] != "Pending" and job.take_drop("result"):
                return DropConnection()
            if answer["status"] == "Task not found":
                return _not_found(job_id)
            return JSONResponse(answer)

        return [
            Route(f"{prefix}/get_result", get_result, methods=["GET"]),
            Route(prefix + "/{model}", submit, methods=["POST"]),
        ]

    def _not_found(job_id: str) -> Response:
        if sim.config.not_found_as_404:
            return JSONResponse({"detail": "Task not found"}, status_code=404)
        return JSONResponse({"id": job_id, "status": "Task not found", "result": None})

    async def _poll_answer(job: Job) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "id": job.id,
            "status": "Pending",
            "result": None,
            "progress": None,
            "details": None,
        }
        phase = job.phase()
        if phase is Phase.RUNNING:
            answer["progress"] = round(job.progress(), 3)
        if phase is not Phase.DONE:
            return answer
        status = job.directives.status or "Ready"
        answer["status"] = status
        if status == "Ready":
            await sim.image(job, 0)
            answer["result"] = {
                "sample": image_url(sim, job, 0),
                "seed": job.seed,
                "prompt": job.prompt,
                "start_time": job.start_time,
                "end_time": job.end_time,
                "duration": job.run_s,
            }
        elif "Moderated" in status:
            answer["details"] = {"Moderation Reasons": ["Simulated moderation"]}
        elif status != "Task not found":
            answer["details"] = {
                "error": f"Generation failed: {status}"
                + auth.echo(job.key, job.directives.echo_key)
            }
        return answer

    return endpoints("bfl", "/bfl/v1", sim.urls.cluster, BflDialect()) + endpoints(
        "comet", "/comet/flux/v1", sim.urls.api, CometDialect()
    )
