"""fal's queue: submit, follow the status (poll or stream), fetch the result, cancel.

Every URL after the submit is the one fal returned (status_url, response_url, cancel_url), never
built: fal drops the app's sub-path (`fal-ai/flux/dev` lives under `fal-ai/flux/requests/...`).

How fal's answers map onto JobState:
- IN_QUEUE is QUEUED with `queue_position`; IN_PROGRESS is RUNNING with the last log line, and a
  progress when a log reads "step k/n" (or a tqdm bar "| k/n [").
- COMPLETED is DOWNLOADING (fetch the result next), or FAILED when it carries `error`/`error_type`.
- HTTP 404 on a status request is EXPIRED (NOT_FOUND): fal no longer knows the request.
- The submit carries `X-Fal-Request-Timeout` (the job's timeout, whole seconds) and, when
  configured, `X-Fal-Queue-Priority`. A job that could not start in time (a 504 with
  `X-Fal-Request-Timeout-Type: user`, or COMPLETED with `error_type: request_timeout`) is
  TIMED_OUT: fal dropped it, not charged (`fal_platform`).
- A cancel answered `OK` (removed from the queue) or `CANCELLATION_REQUESTED` is REQUESTED.
- The result: every image flagged by `has_nsfw_concepts` is a MODERATED error; when only some are,
  the result keeps them all and `ProviderResult.nsfw` says which. A 4xx/5xx result carrying the
  model's JSON error is the job's failure (5xx: FAILED, not worth another GET).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncGenerator, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import httpx

from fluxtui.core.errors import ProviderError
from fluxtui.core.model_spec import ModelSpec
from fluxtui.core.models import ErrorKind, GenerationRequest, JobError, JobState, StatusUpdate
from fluxtui.core.providers import fal_fields, fal_platform, fal_storage, hosts
from fluxtui.core.providers.answers import (
    error_detail,
    excerpt,
    is_moderation,
    parse_http_error,
    show_json,
    transport_error,
)
from fluxtui.core.providers.base import CancelOutcome, Pace, Provider
from fluxtui.core.results import Handle, ImageRef, ProviderResult

log = logging.getLogger("fluxtui.fal")
CANCEL_OUTCOMES = {
    "CANCELLATION_REQUESTED": CancelOutcome.REQUESTED,
    "ALREADY_COMPLETED": CancelOutcome.ALREADY_DONE,
    "NOT_FOUND": CancelOutcome.NOT_FOUND,
    "OK": CancelOutcome.REQUESTED,  # removed from the queue: it never runs
}
STEP_LOG = re.compile(r"\bstep\s*(\d+)\s*(?:/|of)\s*(\d+)", re.IGNORECASE)
TQDM_LOG = re.compile(r"\|\s*(\d+)\s*/\s*(\d+)\s*\[")
RESULT_DETAILS = ("prompt", "timings")


class FalProvider(Provider):
    """settings.protocol "fal": `Authorization: Key <key>`, model ids are app ids (fal-ai/flux/dev).
    The body's field names and sizes are in `fal_fields`."""

    can_cancel = True
    can_stream = True
    renames = fal_fields.RENAMES

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Key {self.api_key()}"}

    def key_allowed(self, url: str | httpx.URL) -> bool:
        """fal's queue hosts: any host under the base URL's registrable domain (*.fal.run); and
        the host of its storage API (rest.fal.ai), for uploading input files."""
        storage = fal_storage.storage_root(self.settings.base_url)
        return hosts.same_site(url, self.settings.base_url) or hosts.same_origin(url, storage)

    def build_body(
        self,
        request: GenerationRequest,
        image_urls: tuple[str, ...] = (),
        mask_url: str | None = None,
    ) -> dict[str, Any]:
        """The body, with the input images' URLs (`fal_storage.input_urls` makes them)."""
        spec = self.model_spec(request.model)
        return fal_fields.build_body(spec, request, image_urls, mask_url)

    @classmethod
    def wire_problems(cls, spec: ModelSpec, extra: Mapping[str, Any]) -> list[str]:
        return fal_fields.wire_problems(spec, extra)

    async def submit(self, request: GenerationRequest) -> Handle:
        url = f"{self.settings.base_url.rstrip('/')}/{quote(request.model.strip('/'))}"
        headers = fal_platform.submit_headers(self.settings)
        body = self.build_body(request, *await fal_storage.input_urls(self, request.inputs))
        response = await self.send("POST", url, json=body, headers=headers)
        if not response.is_success:
            raise self.http_error(response)
        handle = handle_from_submit(self.name, self.label, self.read_json(response))
        return self._own_urls(handle, request.model)

    def _own_urls(self, handle: Handle, model: str) -> Handle:
        """`handle` with every URL on a host the key may not go to replaced by the one built from
        the base URL and the request id (under the app's owner/name, as fal files requests)."""
        if all(self.key_allowed(url) for url in handle.urls.values()):
            return handle
        app = "/".join(model.strip("/").split("/")[:2])
        request_id = quote(handle.request_id or "")
        root = f"{self.settings.base_url.rstrip('/')}/{app}/requests/{request_id}"
        built = {
            "response_url": root,
            "status_url": f"{root}/status",
            "cancel_url": f"{root}/cancel",
        }
        urls = {k: url if self.key_allowed(url) else built[k] for k, url in handle.urls.items()}
        return replace(handle, urls=urls)

    async def poll(self, handle: Handle) -> StatusUpdate:
        url = httpx.URL(self._url(handle, "status_url")).copy_merge_params({"logs": "1"})
        response = await self.send("GET", url)
        if response.status_code == 404:
            return request_not_found(self.label)
        if not response.is_success:
            raise self._queue_timeout(response) or self.http_error(response)
        return parse_status(self.label, self.read_json(response), self._start_within_s())

    async def wait(
        self, handle: Handle, pace: Pace, *, stream: bool = True
    ) -> AsyncGenerator[StatusUpdate, None]:
        """Follow the status stream, and poll once it fails or closes early: a stream is an
        optimisation (proxies and gateways often do not pass SSE), so its failure, whatever it
        answered, never decides the job's fate."""
        if stream:
            try:
                async for update in self.stream(handle):
                    yield update
                    if update.state is JobState.DOWNLOADING or update.state.is_terminal:
                        return
            except (ProviderError, httpx.HTTPError) as exc:
                log.info("the status stream of %s failed (%s); polling", handle.request_id, exc)
        async for update in self.poll_until_done(handle, pace):
            yield update

    async def stream(self, handle: Handle) -> AsyncGenerator[StatusUpdate, None]:
        """`GET {status_url}/stream` (Server-Sent Events), until COMPLETED. Ends quietly if the
        stream closes before that."""
        status_url = httpx.URL(self._url(handle, "status_url"))
        url = status_url.copy_with(path=status_url.path.rstrip("/") + "/stream")
        headers = {**self.headers(), "Accept": "text/event-stream"}
        parser = SseParser()
        auth = self.auth_for(url, "a status URL")
        try:
            async with self.client.stream(
                "GET",
                url.copy_merge_params({"logs": "1"}),
                headers=headers,
                auth=auth,
                follow_redirects=False,
            ) as response:
                if not response.is_success:
                    await response.aread()
                    raise self.http_error(response)
                async for line in response.aiter_lines():
                    update = parse_event(self.label, parser.feed(line), self._start_within_s())
                    if update is not None:
                        yield update
                        if update.state not in (JobState.QUEUED, JobState.RUNNING):
                            return
        except httpx.TransportError as exc:
            raise transport_error(self.name, exc) from exc

    async def fetch_result(
        self, handle: Handle, update: StatusUpdate | None = None
    ) -> ProviderResult:
        if handle.result is not None:
            return handle.result
        response = await self.send("GET", self._url(handle, "response_url"))
        if not response.is_success:
            raise self._queue_timeout(response) or result_error(
                self.label, response.status_code, response.headers, response.text, self.key_hint
            )
        return parse_result(self.label, self.read_json(response))

    async def cancel(self, handle: Handle) -> CancelOutcome:
        """`PUT {cancel_url}`: the body's status decides (fal answers 202 or 400 for either)."""
        if not handle.urls.get("cancel_url"):
            return CancelOutcome.UNSUPPORTED
        response = await self.send("PUT", handle.urls["cancel_url"])
        try:
            data = response.json()
        except ValueError:
            data = None
        outcome = parse_cancel(data)
        if outcome is not None:
            return outcome
        if not response.is_success:
            raise self.http_error(response)
        raise self.bad_response(f"{self.label} answered the cancel with {excerpt(response.text)!r}")

    def _start_within_s(self) -> int | None:
        return fal_platform.start_within_s(self.settings)

    def _queue_timeout(self, response: httpx.Response) -> ProviderError | None:
        status, headers = response.status_code, response.headers
        return fal_platform.queue_timeout(self.label, status, headers, self.settings)

    def _url(self, handle: Handle, key: str) -> str:
        url = handle.urls.get(key)
        if not url:
            raise ProviderError(
                ErrorKind.BAD_RESPONSE, f"{self.label} gave this job no {key}: cannot follow it"
            )
        return url


def handle_from_submit(provider: str, label: str, data: Any) -> Handle:
    """The Handle for a submit answer: request_id and the URLs exactly as fal returned them."""
    fields = data if isinstance(data, Mapping) else {}
    request_id = fields.get("request_id")
    urls = {
        key: fields[key]
        for key in ("status_url", "response_url", "cancel_url")
        if isinstance(fields.get(key), str) and fields[key]
    }
    complete = {"status_url", "response_url"} <= urls.keys()
    if not isinstance(request_id, str) or not request_id or not complete:
        raise ProviderError(
            ErrorKind.BAD_RESPONSE,
            f"{label} answered the submit without a request id and its URLs: {show_json(data)}",
        )
    return Handle(provider=provider, request_id=request_id, urls=urls)


def parse_status(label: str, data: Any, start_within_s: int | None = None) -> StatusUpdate:
    """One status answer (or stream event) as a StatusUpdate; `start_within_s` is the request
    timeout the submit gave fal (for the words of a job it dropped)."""
    raw = data.get("status") if isinstance(data, Mapping) else None
    if not isinstance(raw, str):
        message = f"{label} sent a status without one: {show_json(data)}"
        raise ProviderError(ErrorKind.BAD_RESPONSE, message)
    messages = log_messages(data.get("logs"))
    last_log = messages[-1] if messages else None
    status = raw.strip().upper()
    if status == "IN_QUEUE":
        position = _int(data.get("queue_position"))
        return StatusUpdate(JobState.QUEUED, raw, queue_position=position)
    if status == "IN_PROGRESS":
        progress = progress_from_logs(messages)
        return StatusUpdate(JobState.RUNNING, raw, progress=progress, log=last_log)
    if status == "COMPLETED":
        error, error_type = data.get("error"), data.get("error_type")
        if error or error_type:
            return _completed_with_error(label, raw, error, error_type, last_log, start_within_s)
        return StatusUpdate(JobState.DOWNLOADING, raw, log=last_log)
    message = f"{label} reported a status fluxtui does not know: {raw!r}"
    raise ProviderError(ErrorKind.BAD_RESPONSE, message, raw_status=raw)


def _completed_with_error(
    label: str, raw: str, error: Any, error_type: Any, log: str | None, start_within_s: int | None
) -> StatusUpdate:
    """COMPLETED with `error`/`error_type`: cancelled, dropped unstarted, moderated, or failed."""
    error_type = error_type if isinstance(error_type, str) and error_type else None
    if error_type == fal_platform.TIMEOUT_ERROR_TYPE:
        message = fal_platform.not_started(label, start_within_s)
        dropped = JobError(ErrorKind.TIMEOUT, message, raw_status=f"{raw} ({error_type})")
        return StatusUpdate(JobState.TIMED_OUT, raw, log=log, error=dropped)
    reason = error_detail(error) or (show_json(error) if error else None)
    if error_type and "cancel" in error_type.lower():
        state, kind, what = JobState.CANCELLED, ErrorKind.CANCELLED, "the request was cancelled"
    elif is_moderation({"error": error, "detail": [{"type": error_type}]}):
        state, kind, what = JobState.MODERATED, ErrorKind.MODERATED, "the content was refused"
    else:
        state, kind, what = JobState.FAILED, ErrorKind.FAILED, "the generation failed"
    message = f"{label}: {what}" + (f" ({error_type})" if error_type else "")
    message += f": {reason}" if reason else ""
    return StatusUpdate(state, raw, log=log, error=JobError(kind, message, raw_status=raw))


def request_not_found(label: str) -> StatusUpdate:
    raw = "HTTP 404"
    message = (
        f"{label} no longer knows this request ({raw}): its id is unknown there or has expired"
    )
    error = JobError(ErrorKind.NOT_FOUND, message, 404, raw_status=raw)
    return StatusUpdate(JobState.EXPIRED, raw, error=error)


def log_messages(logs: Any) -> list[str]:
    if not isinstance(logs, list):
        return []
    return [
        m.strip()
        for log in logs
        if isinstance(log, Mapping) and isinstance(m := log.get("message"), str) and m.strip()
    ]


def progress_from_logs(messages: list[str]) -> float | None:
    """0..1 from the latest log that reads "step k/n" or shows a tqdm bar "| k/n ["; else None."""
    for message in reversed(messages):
        match = STEP_LOG.search(message) or TQDM_LOG.search(message)
        if match:
            done, total = int(match[1]), int(match[2])
            if 0 <= done <= total and total > 0:
                return done / total
    return None


def parse_result(label: str, data: Any) -> ProviderResult:
    """`{"images": [{"url", "width", "height", "content_type"}], "seed", "has_nsfw_concepts"}`."""
    images = data.get("images") if isinstance(data, Mapping) else None
    if not isinstance(images, list) or not images:
        message = f"{label} sent a result without images: {show_json(data)}"
        raise ProviderError(ErrorKind.BAD_RESPONSE, message)
    refs = []
    for image in images:
        url = image.get("url") if isinstance(image, Mapping) else None
        if not isinstance(url, str) or not url:
            message = f"{label} sent an image without a URL: {show_json(image)}"
            raise ProviderError(ErrorKind.BAD_RESPONSE, message)
        width, height = _int(image.get("width")), _int(image.get("height"))
        refs.append(ImageRef(url, width, height, image.get("content_type") or None))
    flags = data.get("has_nsfw_concepts")
    nsfw = tuple(bool(f) for f in flags) if isinstance(flags, list) else ()
    if len(nsfw) == len(refs) and all(nsfw):
        what = "the image" if len(refs) == 1 else f"all {len(refs)} images"
        message = f"{label}'s safety checker flagged {what} as NSFW"
        raise ProviderError(ErrorKind.MODERATED, message, ends_job=True)
    details = {k: data[k] for k in RESULT_DETAILS if data.get(k) is not None}
    return ProviderResult(tuple(refs), seed=_int(data.get("seed")), nsfw=nsfw, details=details)


def result_error(
    label: str, status: int, headers: Mapping[str, str], text: str, key_hint: str | None = None
) -> ProviderError:
    """A non-2xx result: the model's own status and body. A refusal by a content checker is
    MODERATED; a 5xx that carries the model's JSON error is the generation's failure (FAILED), not a
    server hiccup worth another GET."""
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    kind = None
    if is_moderation(body):
        kind = ErrorKind.MODERATED
    elif status >= 500 and error_detail(body) is not None:
        kind = ErrorKind.FAILED
    error = parse_http_error(label, status, headers, text, kind, key_hint)
    # the model's own verdict on this job: refused, invalid input, or failed
    error.ends_job = error.kind in (ErrorKind.MODERATED, ErrorKind.FAILED, ErrorKind.VALIDATION)
    return error


def parse_cancel(data: Any) -> CancelOutcome | None:
    status = data.get("status") if isinstance(data, Mapping) else None
    return CANCEL_OUTCOMES.get(status.strip().upper()) if isinstance(status, str) else None


def parse_event(
    label: str, data: str | None, start_within_s: int | None = None
) -> StatusUpdate | None:
    """A stream event's data as a StatusUpdate; None for anything that is not a status object."""
    if data is None:
        return None
    try:
        event = json.loads(data)
    except ValueError:
        return None
    if not isinstance(event, Mapping) or "status" not in event:
        return None
    return parse_status(label, event, start_within_s)


class SseParser:
    """Server-Sent Events, one line at a time: `feed` returns an event's data (its `data:` lines
    joined by newlines) at the blank line that ends it; comments and other fields are skipped."""

    def __init__(self) -> None:
        self._data: list[str] = []

    def feed(self, line: str) -> str | None:
        if not line:
            data, self._data = self._data, []
            return "\n".join(data) if data else None
        name, _, value = line.partition(":")
        if name == "data":
            self._data.append(value[1:] if value.startswith(" ") else value)
        return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
