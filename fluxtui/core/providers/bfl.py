"""CometAPI and Black Forest Labs: submit a job, then poll it (BFL's protocol; CometAPI proxies it).

How BFL's answers map onto JobState:
- `Pending` is QUEUED until an answer carries a `progress` above 0, then RUNNING. BFL does not tell
  a queued job from a running one otherwise; every answer is read on its own, so the engine must
  not move a job back from RUNNING to QUEUED when a later answer lacks `progress`.
- `Ready` is DOWNLOADING with the result (`result.sample`, `result.seed`).
- `Request Moderated` (the input was refused) and `Content Moderated` (the output was withheld) are
  MODERATED; BFL charges neither.
- `Task not found`, or HTTP 404 on a poll, is EXPIRED with a NOT_FOUND error: the job was ours (the
  submit gave its id), so the service has dropped it (or it lives on another cluster and the
  `polling_url` was lost); polling again cannot bring it back.
- `Error` (or `Failed`) is FAILED with the reason from `details` or `error` (text or an object).
- Any other status is a BAD_RESPONSE error: the engine keeps following the paid job (it may be a
  proxy's glitch) until its deadline, and then leaves it resumable.
Status strings are matched ignoring case and spacing, so that a proxy's "pending" is not a failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from fluxtui.core import catalog
from fluxtui.core.errors import ProviderError
from fluxtui.core.models import ErrorKind, GenerationRequest, JobError, JobState, StatusUpdate
from fluxtui.core.providers import bfl_fields, hosts
from fluxtui.core.providers.answers import error_detail, excerpt, show_json
from fluxtui.core.providers.base import Provider
from fluxtui.core.providers.wire import SIZE_FIELDS
from fluxtui.core.results import Handle, ImageRef, ProviderResult

#: where the API lives under the base URL, by settings.protocol
API_PREFIXES = {"comet": "/flux/v1", "bfl": "/v1"}
#: canonical params `build_body` sends in a form of its own (or not at all)
OWN_FIELDS = frozenset({*SIZE_FIELDS, "num_images", "prompt_upsampling"})
RESULT_DETAILS = ("prompt", "start_time", "end_time", "duration")


class BflProvider(Provider):
    """settings.protocol "comet" (Bearer key, /flux/v1/...) or "bfl" (x-key header, /v1/...).
    BFL's field names are the canonical ones."""

    @property
    def api_root(self) -> str:
        return self.settings.base_url.rstrip("/") + API_PREFIXES[self.protocol]

    def auth_headers(self) -> dict[str, str]:
        key = self.api_key()
        if self.protocol == "comet":
            return {"Authorization": f"Bearer {key}"}
        return {"x-key": key}

    def key_allowed(self, url: str | httpx.URL) -> bool:
        """Comet: its own host only. BFL: also its clusters, the hosts under the base URL's
        registrable domain (api.bfl.ai -> api.eu1.bfl.ai) that `polling_url` may name."""
        if self.protocol == "comet":
            return super().key_allowed(url)
        return hosts.same_site(url, self.settings.base_url)

    def build_body(self, request: GenerationRequest) -> dict[str, Any]:
        """BFL's field names are the canonical ones; sizes are resolved (a ratio becomes width and
        height, except for ultra and Kontext); num_images is not a BFL field (one image per
        request); prompt upsampling goes in the model's own field (`bfl_fields`); extra goes
        last, verbatim."""
        params = catalog.given(request.params)
        spec = self.model_spec(request.model)
        body: dict[str, Any] = {"prompt": request.prompt}
        body.update(catalog.resolve_size(spec, params))
        body.update({k: v for k, v in params.items() if k not in OWN_FIELDS})
        body.update(bfl_fields.upsampling_fields(spec, params))  # the model's own field
        body.update(request.extra)
        return body

    @classmethod
    def check(cls, table: str, request: GenerationRequest) -> list[str]:
        """The catalog's and the wire fields' problems, and Kontext's narrower safety range
        with an input image."""
        spec = catalog.model_spec(table, request.model)
        params, extra = catalog.given(request.params), catalog.given(request.extra)
        return [*super().check(table, request), *bfl_fields.safety_problems(spec, params, extra)]

    async def submit(self, request: GenerationRequest) -> Handle:
        url = f"{self.api_root}/{quote(request.model.strip('/'))}"
        response = await self.send("POST", url, json=self.build_body(request))
        if not response.is_success:
            raise self.http_error(response)
        return handle_from_submit(self.name, self.label, self.read_json(response))

    async def poll(self, handle: Handle) -> StatusUpdate:
        """GET the `polling_url` the submit returned, verbatim (BFL: it may name another of its
        clusters; one on an unrelated host is an error, the key is not sent there), else
        get_result?id= under the base URL. Comet polls get_result unless its `polling_url` is on
        its own host: what that URL points at is undocumented, and Comet's key stays with Comet."""
        polling_url = handle.urls.get("polling_url")
        if polling_url and (self.protocol == "bfl" or self.key_allowed(polling_url)):
            response = await self.send("GET", polling_url, what="a polling URL")
        else:
            response = await self.send(
                "GET", f"{self.api_root}/get_result", params={"id": handle.request_id}
            )
        if response.status_code == 404:
            return job_not_found(self.label, "HTTP 404")
        if not response.is_success:
            raise self.http_error(response)
        return parse_status(self.label, self.read_json(response))


def handle_from_submit(provider: str, label: str, data: Any) -> Handle:
    """The Handle for a submit answer `{"id", "polling_url"?}`."""
    job_id = data.get("id") if isinstance(data, Mapping) else None
    if not isinstance(job_id, str) or not job_id:
        message = f"{label} answered the submit without a job id: {show_json(data)}"
        raise ProviderError(ErrorKind.BAD_RESPONSE, message)
    polling_url = data.get("polling_url")
    urls = {"polling_url": polling_url} if isinstance(polling_url, str) and polling_url else {}
    return Handle(provider=provider, request_id=job_id, urls=urls)


def parse_status(label: str, data: Any) -> StatusUpdate:
    """A get_result answer `{"id", "status", "result", "progress"?, "details"?}`, as an update."""
    raw = data.get("status") if isinstance(data, Mapping) else None
    if not isinstance(raw, str):
        message = f"{label} sent a status without one: {show_json(data)}"
        raise ProviderError(ErrorKind.BAD_RESPONSE, message)
    status = " ".join(raw.split()).casefold()
    if status == "pending":
        progress = _progress(data.get("progress"))
        if progress:
            return StatusUpdate(JobState.RUNNING, raw, progress=progress)
        return StatusUpdate(JobState.QUEUED, raw)
    if status == "ready":
        return _ready(label, raw, data)
    if status == "task not found":
        return job_not_found(label, raw)
    details = _reason(data.get("details"))
    if status == "request moderated":
        message = f"{label} refused the request: the prompt or input image was moderated"
        message += " (not charged)"
        return _ended(JobState.MODERATED, ErrorKind.MODERATED, raw, _with(message, details))
    if status == "content moderated":
        message = f"{label} withheld the image: the output was moderated (not charged)"
        return _ended(JobState.MODERATED, ErrorKind.MODERATED, raw, _with(message, details))
    if status in ("error", "failed"):
        reason = details or _reason(data.get("error"))
        message = f"{label}: the generation failed"
        message += f": {reason}" if reason else " (no reason given)"
        return _ended(JobState.FAILED, ErrorKind.FAILED, raw, message)
    message = f"{label} reported a status fluxtui does not know: {raw!r}"
    raise ProviderError(ErrorKind.BAD_RESPONSE, message, raw_status=raw)


def job_not_found(label: str, raw: str) -> StatusUpdate:
    message = f"{label} no longer knows this job ({raw}): its id is unknown there or has expired"
    return _ended(JobState.EXPIRED, ErrorKind.NOT_FOUND, raw, message)


def _ready(label: str, raw: str, data: Mapping[str, Any]) -> StatusUpdate:
    found = data.get("result")
    result: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    sample = result.get("sample")
    if not isinstance(sample, str) or not sample:
        message = f"{label} reported Ready without an image URL: {show_json(data)}"
        raise ProviderError(ErrorKind.BAD_RESPONSE, message, raw_status=raw)
    seed = result.get("seed")
    details = {k: result[k] for k in RESULT_DETAILS if result.get(k) is not None}
    if isinstance(data.get("cost"), int | float):
        details["cost"] = data["cost"]
    return StatusUpdate(
        JobState.DOWNLOADING,
        raw,
        result=ProviderResult(
            images=(ImageRef(url=sample),),
            seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
            details=details,
        ),
    )


def _ended(state: JobState, kind: ErrorKind, raw: str, message: str) -> StatusUpdate:
    return StatusUpdate(state, raw, error=JobError(kind, message, raw_status=raw))


def _progress(value: Any) -> float | None:
    """BFL's optional progress as 0..1 (above 1 is read as a percentage); None when absent or 0."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return min(1.0, value / 100 if value > 1 else float(value))


def _reason(value: Any) -> str | None:
    """Readable text from a `details`/`error` field: a string, a list, or an object."""
    if value is None or value == "" or value == {} or value == []:
        return None
    if isinstance(value, list):
        return "; ".join(r for item in value if (r := _reason(item))) or None
    text = error_detail(value) if isinstance(value, Mapping) else None
    return excerpt(text or (value if isinstance(value, str) else show_json(value)), 300)


def _with(message: str, details: str | None) -> str:
    return f"{message}: {details}" if details else message
