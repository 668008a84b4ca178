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
- ``PUT .../cancel``: 202 ``CANCELLATION_REQUESTED`` (a queued job is removed: it never runs,
  its status turns COMPLETED with ``error_type: "request_cancelled"`` and its result answers
  400; a running job still finishes), 400 ``ALREADY_COMPLETED``, 404 ``NOT_FOUND``.

Like the real queue, submit accepts any JSON object: parameters are checked when the job leaves
the queue, so a bad parameter shows as COMPLETED with an error, and the result answers 422.
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

from fluxtui.sim import auth
from fluxtui.sim.context import Sim
from fluxtui.sim.delivery import image_url
from fluxtui.sim.faults import DropConnection
from fluxtui.sim.intake import Submission, fault_message, fault_response, intake
from fluxtui.sim.jobs import Job, Phase
from fluxtui.sim.render import ULTRA_PIXELS, aspect_size
from fluxtui.sim.validation import Checker, ErrorList

IMAGE_SIZES = {
    "square_hd": (1024, 1024),
    "square": (512, 512),
    "portrait_4_3": (768, 1024),
    "portrait_16_9": (576, 1024),
    "landscape_4_3": (1024, 768),
    "landscape_16_9": (1024, 576),
}
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


def validate(app_id: str, body: dict[str, Any]) -> tuple[ErrorList, dict[str, Any]]:
    """The flux model's input schema; returns the errors and width, height, fmt, seed, n,
    steps, safety."""
    c = Checker(body)
    c.string("prompt", required=True, min_length=1)
    steps = c.integer("num_inference_steps", ge=1, le=50) or 28
    c.number("guidance_scale", ge=1, le=20)
    n = c.integer("num_images", ge=1, le=4) or 1
    safety = c.boolean("enable_safety_checker")
    fmt = c.choice("output_format", ("jpeg", "png")) or "jpeg"
    c.choice("acceleration", ("none", "regular", "high"))
    c.boolean("sync_mode")
    seed = c.integer("seed")
    if "ultra" in app_id:
        ratio = c.string("aspect_ratio") or "16:9"
        size = aspect_size(ratio, ULTRA_PIXELS)
        if size is None:
            c.error(
                "aspect_ratio",
                "value_error",
                "Value error, aspect ratio must look like 16:9",
                ratio,
            )
            size = (1024, 576)
    else:
        size = _image_size(c)
    return c.errors, {
        "width": size[0],
        "height": size[1],
        "fmt": fmt,
        "seed": seed,
        "n": n,
        "steps": steps,
        "safety": safety is not False,
    }


def _image_size(c: Checker) -> tuple[int, int]:
    value = c.body.get("image_size")
    if value is None:
        return IMAGE_SIZES["landscape_4_3"]
    if isinstance(value, dict):
        sides = Checker(value, loc=("body", "image_size"))
        width = sides.integer("width", ge=1, le=14142, required=True)
        height = sides.integer("height", ge=1, le=14142, required=True)
        c.errors.extend(sides.errors)
        return (width or 1024, height or 768)
    if isinstance(value, str) and value in IMAGE_SIZES:
        return IMAGE_SIZES[value]
    c.choice("image_size", tuple(IMAGE_SIZES))  # records the error
    return IMAGE_SIZES["landscape_4_3"]


def _app_base(app_id: str) -> str:
    """Where the queue files an app's requests: owner/app, without the sub-path."""
    return "/".join(app_id.split("/")[:2])


def _outcome(job: Job) -> tuple[int, Any, str | None] | None:
    """How a failed job fails: (result HTTP status, result detail, status error_type)."""
    if job.cancelled:
        return 400, "Request was cancelled", "request_cancelled"
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
    if job.failure is not None or job.cancelled:
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
    ran = not job.cancelled and job.failure is None
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
    dialect = FalDialect()

    def request_urls(job: Job) -> dict[str, str]:
        root = f"{sim.urls.api}/fal/{job.params['base']}/requests/{job.id}"
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
        errors, values = validate(app_id, taken.body)
        d = taken.directives
        job = sim.new_job(
            service="fal",
            model=app_id,
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
            failure=errors or None,
            nsfw=d.nsfw and values["safety"],
            params={"base": _app_base(app_id), "steps": values["steps"], "input": taken.body},
        )
        if errors:  # found when the job leaves the queue: it never runs
            job.run_s = 0.0
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
            return JSONResponse({"detail": detail}, status_code=code)
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
        if phase is Phase.QUEUED:
            job.cancelled = True
        elif phase is not Phase.RUNNING:
            return JSONResponse({"status": "ALREADY_COMPLETED"}, status_code=400)
        return JSONResponse({"status": "CANCELLATION_REQUESTED"}, status_code=202)

    requests = "/fal/{app:path}/requests/{request_id}"
    return [
        Route(requests + "/status/stream", stream, methods=["GET"]),
        Route(requests + "/status", status, methods=["GET"]),
        Route(requests + "/cancel", cancel, methods=["PUT"]),
        Route(requests, result, methods=["GET"]),
        Route("/fal/{app_id:path}", submit, methods=["POST"]),
    ]


def _wants_logs(request: Request) -> bool:
    return request.query_params.get("logs", "0") not in ("0", "false", "")
