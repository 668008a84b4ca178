"""fal's queue API (providers.md section 5), for any app id (``Authorization: Key <key>``).

``POST /fal/{app_id}`` -> ``{"status": "IN_QUEUE", "request_id", "response_url",
"status_url", "cancel_url", "queue_position", "logs": null, "metrics": {}}``. The request URLs
drop the app's sub-path: app ``fal-ai/flux/dev`` -> ``/fal/fal-ai/flux/requests/{id}``, and
only that prefix finds the request (a URL built from the full app id answers 404).

- ``GET .../status[?logs=1]``: 202 ``IN_QUEUE`` + ``queue_position``, 202 ``IN_PROGRESS`` +
  ``logs`` ("step k/N" lines, only with logs=1), 200 ``COMPLETED`` + ``metrics`` (+ ``error``,
  ``error_type`` when the job failed).
- ``GET .../status/stream[?logs=1]``: the same as Server-Sent Events, ending after COMPLETED.
- ``GET {response_url}``: 200 the model's output; 422/500 ``{"detail": [...]}`` when it failed;
  400 ``{"detail": "Request is still in progress"}`` before completion.
- ``PUT .../cancel``: 200 ``OK`` for a queued job (removed from the queue: it never runs, its
  status turns COMPLETED with ``error_type: "request_cancelled"`` and its result answers 400),
  202 ``CANCELLATION_REQUESTED`` for a running one (it still finishes), 400
  ``ALREADY_COMPLETED``, 404 ``NOT_FOUND``.

Like the real queue, submit accepts any JSON object: parameters are checked when the job leaves
the queue, so a bad parameter shows as COMPLETED with an error, and the result answers 422
(what each app takes: :mod:`fluxtui.sim.fal_models`).

Platform headers: the submit's ``X-Fal-*`` headers are recorded on the job (``headers``). A
job that cannot start within its ``X-Fal-Request-Timeout`` (say, held by ``queue=``) is dropped
when the timeout runs out: its status turns COMPLETED with ``error_type: "request_timeout"``,
and its result answers 504 with ``X-Fal-Request-Timeout-Type: user``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from fluxtui.sim import auth, fal_models, inputs
from fluxtui.sim.context import Sim
from fluxtui.sim.delivery import image_url
from fluxtui.sim.faults import DropConnection
from fluxtui.sim.intake import Submission, fault_message, fault_response, intake
from fluxtui.sim.jobs import Job, Phase
from fluxtui.sim.validation import ErrorList

#: The header of a 504 that says the caller's own ``X-Fal-Request-Timeout`` ran out.
TIMEOUT_TYPE = "X-Fal-Request-Timeout-Type"
#: How often the SSE stream looks at the clock.
STREAM_TICK_S = 0.05


def _with_urls(errors: ErrorList) -> ErrorList:
    return [{**e, "url": f"https://docs.fal.ai/errors/#{e['type']}"} for e in errors]


class FalDialect:
    def refusal(self, refusal: auth.Refusal) -> Response:
        message = {
            auth.Refusal.MISSING: "Missing authorization header. Send Authorization: Key <FAL_KEY>",
            auth.Refusal.WRONG_SCHEME: "Invalid authorization header. Send Authorization: Key "
            "<FAL_KEY>",
            auth.Refusal.INVALID: "No user found for Key ID and Secret",
            auth.Refusal.NO_CREDITS: "User is locked. Reason: Exhausted balance. Top up your "
            "balance at fal.ai/dashboard/billing.",
        }[refusal]
        return JSONResponse({"detail": message}, status_code=refusal.status)

    def invalid(self, errors: ErrorList) -> Response:
        return JSONResponse({"detail": _with_urls(errors)}, status_code=422)

    def fault(self, code: int) -> Response:
        return JSONResponse({"detail": fault_message(code)}, status_code=code)


def _app_base(app_id: str) -> str:
    """Where the queue files an app's requests: owner/app, without the sub-path."""
    return "/".join(app_id.split("/")[:2])


def _outcome(job: Job) -> tuple[int, Any, str | None] | None:
    """How a failed job fails: (result HTTP status, result detail, status error_type)."""
    if job.cancelled:
        return 400, "Request was cancelled", "request_cancelled"
    if job.timed_out:
        return 504, "Request timed out before it could start", "request_timeout"
    if job.failure is not None:
        return 422, _with_urls(job.failure), job.failure[0]["type"]
    status = job.directives.status
    if status is None:
        return None
    if "moderat" in status.lower():
        refusal: dict[str, Any] = {
            "loc": ["body", "prompt"],
            "type": "content_policy_violation",
            "input": job.prompt,
            "msg": "The content could not be processed because it contained material "
            "flagged by a content checker.",
        }
        return 422, _with_urls([refusal]), "content_policy_violation"
    failure: dict[str, Any] = {
        "loc": ["body"],
        "type": "internal_server_error",
        "input": job.params["input"],
        "msg": f"Internal server error ({status})" + auth.echo(job.key, job.directives.echo_key),
    }
    return 500, _with_urls([failure]), "internal_server_error"


def _logs(job: Job) -> list[dict[str, str]]:
    if job.failure is not None or job.cancelled or job.timed_out:
        return []
    total = job.params["steps"]
    done = int(job.progress() * total)
    return [
        {
            "message": f"step {k}/{total}",
            "level": "INFO",
            "source": "user",
            "timestamp": datetime.fromtimestamp(
                job.start_time + k * job.run_s / total, UTC
            ).isoformat(),
        }
        for k in range(1, done + 1)
    ]


def status_answer(job: Job, urls: dict[str, str], logs: bool) -> tuple[int, dict[str, Any]]:
    """The HTTP status and body of a status poll (also one SSE event)."""
    base = {"request_id": job.id, "response_url": urls["response_url"]}
    phase = job.phase()
    if phase is Phase.QUEUED:
        return 202, {"status": "IN_QUEUE", "queue_position": job.queue_position(), **base}
    if phase is Phase.RUNNING:
        return 202, {"status": "IN_PROGRESS", "logs": _logs(job) if logs else None, **base}
    ran = not job.cancelled and not job.timed_out and job.failure is None
    answer = {
        "status": "COMPLETED",
        "logs": _logs(job) if logs else None,
        "metrics": {"inference_time": job.run_s} if ran else {},
        **base,
    }
    outcome = _outcome(job)
    if outcome is not None:
        _, detail, error_type = outcome
        answer["error"] = detail if isinstance(detail, str) else detail[0]["msg"]
        answer["error_type"] = error_type
    return 200, answer


def routes(sim: Sim) -> list[Route]:
    if "fal" not in sim.urls.services:
        return []
    dialect = FalDialect()
    mount = sim.urls.mount("fal")

    def request_urls(job: Job) -> dict[str, str]:
        root = f"{sim.urls.api}{mount}/{job.params['base']}/requests/{job.id}"
        return {
            "response_url": root,
            "status_url": f"{root}/status",
            "cancel_url": f"{root}/cancel",
        }

    async def submit(request: Request) -> Response | DropConnection:
        app_id = request.path_params["app_id"].strip("/")
        taken = await intake(sim, request, "fal", dialect)
        if not isinstance(taken, Submission):
            return taken
        d = taken.directives
        images = await inputs.take_all(sim.config, sim.uploads, fal_models.image_fields(taken.body))
        checked = fal_models.check(app_id, taken.body, images, strict=d.strict)
        errors = checked.errors
        received = inputs.scrub(taken.body, images)
        job = sim.new_job(
            service="fal",
            model=app_id,
            prompt=taken.prompt,
            text=taken.text,
            directives=d,
            submits=taken.attempt,
            key=taken.key,
            width=checked.width,
            height=checked.height,
            fmt=checked.fmt,
            seed=checked.seed,
            num_images=checked.n,
            failure=errors or None,
            nsfw=d.nsfw and checked.safety,
            params={"base": _app_base(app_id), "steps": checked.steps, "input": received},
            received=received,
            inputs=checked.inputs,
            ignored=checked.ignored,
            headers=taken.headers,
        )
        if errors:  # found when the job leaves the queue: it never runs
            job.run_s = 0.0
        timeout = _request_timeout(taken.headers)
        if timeout is not None and job.queue_s > timeout:  # it cannot start in time: dropped
            job.queue_s, job.run_s, job.timed_out = timeout, 0.0, True
        if job.take_drop("submit"):
            return DropConnection()
        return JSONResponse(
            {
                "status": "IN_QUEUE",
                "request_id": job.id,
                **request_urls(job),
                "queue_position": job.queue_position(),
                "logs": None,
                "metrics": {},
            }
        )

    async def find(request: Request) -> Job | Response:
        refusal = auth.check("fal", request.headers, sim.config.required_keys)
        if refusal is not None:
            return dialect.refusal(refusal)
        job = sim.store.get(request.path_params["request_id"], ("fal",))
        if job is None or job.params["base"] != request.path_params["app"].strip("/"):
            return JSONResponse({"detail": "Request not found"}, status_code=404)
        await sim.pause(job.directives)
        return job

    def poll_fault(job: Job) -> Response | DropConnection | None:
        code = job.take_poll()
        if code is not None:
            return fault_response(dialect, code, job.directives)
        if job.take_drop("poll"):
            return DropConnection()
        if job.take_garble():
            return Response("<html>502 hiccup", status_code=200, media_type="text/html")
        return None

    async def status(request: Request) -> Response | DropConnection:
        job = await find(request)
        if not isinstance(job, Job):
            return job
        if (fault := poll_fault(job)) is not None:
            return fault
        code, answer = status_answer(job, request_urls(job), _wants_logs(request))
        return JSONResponse(answer, status_code=code)

    async def stream(request: Request) -> Response | DropConnection:
        job = await find(request)
        if not isinstance(job, Job):
            return job
        if job.directives.stream is not None:
            return JSONResponse({"detail": "Not Found"}, status_code=job.directives.stream)
        if (fault := poll_fault(job)) is not None:
            return fault
        urls, logs = request_urls(job), _wants_logs(request)

        async def events() -> AsyncIterator[str]:
            last = None
            while True:
                _, answer = status_answer(job, urls, logs)
                if answer != last:
                    yield f"data: {json.dumps(answer)}\n\n"
                    last = answer
                if answer["status"] == "COMPLETED":
                    return
                await asyncio.sleep(STREAM_TICK_S)

        return StreamingResponse(
            events(), media_type="text/event-stream", headers={"cache-control": "no-cache"}
        )

    async def result(request: Request) -> Response | DropConnection:
        job = await find(request)
        if not isinstance(job, Job):
            return job
        if job.take_drop("result"):
            return DropConnection()
        if job.phase() in (Phase.QUEUED, Phase.RUNNING):
            return JSONResponse({"detail": "Request is still in progress"}, status_code=400)
        outcome = _outcome(job)
        if outcome is not None:
            code, detail, _ = outcome
            timeout = {TIMEOUT_TYPE: "user"} if job.timed_out else None
            return JSONResponse({"detail": detail}, status_code=code, headers=timeout)
        images = []
        for index in range(job.num_images):
            await sim.image(job, index)
            images.append(
                {
                    "url": image_url(sim, job, index),
                    "width": job.width,
                    "height": job.height,
                    "content_type": f"image/{job.fmt}",
                }
            )
        return JSONResponse(
            {
                "images": images,
                "seed": job.seed,
                "has_nsfw_concepts": [job.nsfw] * job.num_images,
                "prompt": job.prompt,
                "timings": {"inference": job.run_s},
            }
        )

    async def cancel(request: Request) -> Response:
        job = await find(request)
        if not isinstance(job, Job):
            if job.status_code == 404:
                return JSONResponse({"status": "NOT_FOUND"}, status_code=404)
            return job
        phase = job.phase()
        if phase is Phase.QUEUED:  # removed from the queue: it never runs
            job.cancelled = True
            return JSONResponse({"status": "OK"})
        if phase is not Phase.RUNNING:
            return JSONResponse({"status": "ALREADY_COMPLETED"}, status_code=400)
        return JSONResponse({"status": "CANCELLATION_REQUESTED"}, status_code=202)

    requests = mount + "/{app:path}/requests/{request_id}"
    return [
        Route(requests + "/status/stream", stream, methods=["GET"]),
        Route(requests + "/status", status, methods=["GET"]),
        Route(requests + "/cancel", cancel, methods=["PUT"]),
        Route(requests, result, methods=["GET"]),
        Route(mount + "/{app_id:path}", submit, methods=["POST"]),
    ]


def _request_timeout(headers: dict[str, str]) -> float | None:
    """Seconds the submit's ``X-Fal-Request-Timeout`` lets the job wait to start, if given."""
    try:
        seconds = float(headers.get("x-fal-request-timeout", ""))
    except ValueError:
        return None
    return seconds if seconds > 0 else None


def _wants_logs(request: Request) -> bool:
    return request.query_params.get("logs", "0") not in ("0", "false", "")
