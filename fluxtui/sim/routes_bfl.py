"""Black Forest Labs and CometAPI: submit, then poll ``get_result`` (providers.md sections 1-2).

- BFL (``x-key``): ``POST /bfl/v1/{model}`` -> ``{"id", "polling_url", "cost", "input_mp",
  "output_mp"}``; ``polling_url`` names the *cluster* host. With ``webhook_url`` the answer is
  ``{"id", "status": "Pending", "webhook_url"}`` (no polling URL; nothing is posted to the
  webhook). ``GET /bfl/v1/get_result?id=`` on either host. ``GET /bfl/v1/credits`` ->
  ``{"credits": N}``: ``SimConfig.credits`` less what the key's finished jobs were charged.
  Over 24 active tasks per key (6 of ``flux-kontext-max``) a submit answers 429.
- Comet (``Authorization: Bearer``): ``POST /comet/flux/v1/{model}`` -> the same with
  ``polling_url`` on its own host (another host with ``foreign_poll=1``);
  ``GET /comet/flux/v1/get_result?id=``.

What each model takes, and its price: :mod:`fluxtui.sim.bfl_models`.

A poll answers ``{"id", "status", "result", "progress", "details"}``: ``Pending`` (queued, or
running with ``progress`` 0..1), then ``Ready`` with ``result: {"sample", "seed", "prompt",
"start_time", "end_time", "duration"}``, or a directive's final status (``details`` then says
why); a final answer also carries the settled ``cost`` (0 when nothing was made). An unknown
id answers 200 ``{"id", "status": "Task not found", "result": null}`` (or 404
``{"detail": "Task not found"}`` with ``SimConfig.not_found_as_404``).

Errors: BFL is FastAPI: ``{"detail": "message"}`` (a missing or bad key: 403), and 422
``{"detail": [{"loc", "msg", "type", ...}]}``. Comet is a gateway: its own errors
(credentials, credits, rate limits, 5xx) are ``{"error": {"message", "type", "param",
"code"}}``, while validation errors pass through from BFL as 422 ``{"detail": [...]}``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fluxtui.sim import auth, bfl_models, inputs
from fluxtui.sim.context import Sim
from fluxtui.sim.delivery import image_url
from fluxtui.sim.faults import DropConnection
from fluxtui.sim.intake import Submission, fault_message, fault_response, intake
from fluxtui.sim.jobs import Job, Phase
from fluxtui.sim.validation import ErrorList

#: Where a ``foreign_poll=1`` Comet job's polling URL points (on the cluster port).
FOREIGN_POLL = "/foreign/v1/get_result"
#: Statuses a directive makes final at once, without queueing or running.
IMMEDIATE = ("Request Moderated", "Task not found")

#: BFL answers a missing or bad key with 403 (providers.md section 6), no credits with 402.
_REFUSALS = {
    auth.Refusal.MISSING: (403, "Not authenticated"),
    auth.Refusal.WRONG_SCHEME: (403, "Not authenticated"),
    auth.Refusal.INVALID: (403, "Not authenticated - Invalid Authentication"),
    auth.Refusal.NO_CREDITS: (
        402,
        "Insufficient credits. Add credits to your account to continue.",
    ),
}


class BflDialect:
    """FastAPI-style errors."""

    def refusal(self, refusal: auth.Refusal) -> Response:
        status, message = _REFUSALS[refusal]
        return JSONResponse({"detail": message}, status_code=status)

    def too_busy(self, cap: int) -> Response:
        """Over the key's cap on active tasks."""
        return JSONResponse(
            {"detail": f"Too many active tasks: at most {cap} may run at once. Retry later."},
            status_code=429,
        )

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


def _foreign_host(cluster: str) -> str:
    """Another host than Comet's by name and by port: the cluster port, named ``localhost``."""
    return cluster.replace("//127.0.0.1:", "//localhost:", 1)


def routes(sim: Sim) -> list[Route]:
    def balance(key: str) -> float:
        return round(sim.config.credits - sim.store.spent("bfl", key), 2)

    def over_cap(model: str, key: str) -> int | None:
        """The cap on active tasks a new BFL job of ``model`` would exceed, if any."""
        if sim.store.in_flight("bfl", key) >= bfl_models.DEFAULT_INFLIGHT_CAP:
            return bfl_models.DEFAULT_INFLIGHT_CAP
        cap = bfl_models.inflight_cap(model)
        return cap if sim.store.in_flight("bfl", key, model) >= cap else None

    def endpoints(service: str, prefix: str, poll_host: str, dialect: BflDialect) -> list[Route]:
        """Submit and poll routes of ``service``; its polling URLs name ``poll_host``."""

        async def submit(request: Request) -> Response | DropConnection:
            model = request.path_params["model"]
            taken = await intake(sim, request, service, dialect)
            if not isinstance(taken, Submission):
                return taken
            d = taken.directives
            images = await inputs.take_all(
                sim.config, sim.uploads, bfl_models.image_fields(taken.body)
            )
            checked = bfl_models.check(model, taken.body, images, strict=d.strict)
            if checked.errors:
                return dialect.invalid(checked.errors)
            if service == "bfl":
                cap = over_cap(model, taken.key)
                if cap is not None:
                    return dialect.too_busy(cap)
                if balance(taken.key) < checked.cost:
                    return dialect.refusal(auth.Refusal.NO_CREDITS)
            job = sim.new_job(
                service=service,
                model=model,
                prompt=taken.prompt,
                text=taken.text,
                directives=d,
                submits=taken.attempt,
                key=taken.key,
                width=checked.width,
                height=checked.height,
                fmt=checked.fmt,
                seed=checked.seed,
                immediate=d.status in IMMEDIATE,
                received=inputs.scrub(taken.body, images),
                inputs=checked.inputs,
                ignored=checked.ignored,
                upsampled=checked.upsampled,
                transparent=checked.transparent,
                cost=checked.cost,
                headers=taken.headers,
            )
            if job.take_drop("submit"):
                return DropConnection()
            webhook = taken.body.get("webhook_url")
            if service == "bfl" and webhook:  # no polling_url: get_result?id= still answers
                return JSONResponse({"id": job.id, "status": "Pending", "webhook_url": webhook})
            poll_url = f"{poll_host}{prefix}/get_result?id={job.id}"
            if service == "comet" and d.foreign_poll:
                poll_url = f"{_foreign_host(sim.urls.cluster)}{FOREIGN_POLL}?id={job.id}"
            return JSONResponse(
                {
                    "id": job.id,
                    "polling_url": poll_url,
                    "cost": job.cost,
                    "input_mp": round(checked.input_mp, 2),
                    "output_mp": round(bfl_models.megapixels(job.width, job.height), 2),
                }
            )

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
        answer["cost"] = job.settled_cost()
        if status == "Ready":
            await sim.image(job, 0)
            answer["result"] = {
                "sample": image_url(sim, job, 0),
                "seed": job.seed,
                "prompt": job.prompt + (bfl_models.UPSAMPLED if job.upsampled else ""),
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

    async def credits(request: Request) -> Response:
        refusal = auth.check("bfl", request.headers, sim.config.required_keys)
        if refusal is not None:
            return BflDialect().refusal(refusal)
        return JSONResponse({"credits": balance(auth.received_key("bfl", request.headers))})

    async def foreign(request: Request) -> Response:
        """A host that is not Comet's: records whether the Comet key came along, refuses."""
        job = sim.store.get(request.query_params.get("id", ""), ("comet",))
        if job is not None:
            sent = auth.received_key("comet", request.headers) or request.headers.get("x-key", "")
            job.foreign_polls.append({"credentials": bool(sent), "comet_key": sent == job.key})
        return JSONResponse({"detail": "Not authenticated - Invalid Authentication"}, 403)

    found: list[Route] = []
    if "bfl" in sim.urls.services:
        bfl = sim.urls.mount("bfl") + "/v1"
        found += [
            Route(f"{bfl}/credits", credits, methods=["GET"]),
            *endpoints("bfl", bfl, sim.urls.cluster, BflDialect()),
        ]
    if "comet" in sim.urls.services:
        comet = sim.urls.mount("comet") + "/flux/v1"
        found += [
            Route(FOREIGN_POLL, foreign, methods=["GET"]),
            *endpoints("comet", comet, sim.urls.api, CometDialect()),
        ]
    return found
