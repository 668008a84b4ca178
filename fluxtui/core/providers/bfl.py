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

Where to poll: BFL's `polling_url`, verbatim (it may name another of its clusters), else (a submit
with `webhook_url` may answer `{"id", "status", "webhook_url"}` without one) `get_result?id=` on
the host that took the submit. CometAPI always polls its own `get_result?id=`, as its quickstart
does: what its `polling_url` points at is undocumented, and Comet's key stays with Comet. fluxtui
receives no webhooks: the webhook is the provider's to call, and the job's history says so.

Cost: BFL answers the submit with `cost` in credits (and `input_mp`, `output_mp`) and the final
poll with the settled `cost`; both become a `ReportedCost` in USD. CometAPI bills in its own terms,
so a `cost` in its answers is not read as BFL credits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from fluxtui.core import catalog
from fluxtui.core.errors import ProviderError
from fluxtui.core.input_images import InputImage
from fluxtui.core.models import ErrorKind, GenerationRequest, JobError, JobState, StatusUpdate
from fluxtui.core.providers import bfl_fields, hosts
from fluxtui.core.providers.answers import error_detail, excerpt, show_json
from fluxtui.core.providers.base import Provider
from fluxtui.core.providers.wire import SIZE_FIELDS
from fluxtui.core.results import Balance, Handle, ImageRef, ProviderResult, ReportedCost

#: where the API lives under the base URL, by settings.protocol
API_PREFIXES = {"comet": "/flux/v1", "bfl": "/v1"}
#: canonical params `build_body` sends in a form of its own (or not at all)
OWN_FIELDS = frozenset({*SIZE_FIELDS, "num_images", "prompt_upsampling"})
RESULT_DETAILS = ("prompt", "start_time", "end_time", "duration")
#: BFL bills in credits: 1 credit = 0.01 USD (docs.bfl.ai/quick_start/pricing says so)
USD_PER_CREDIT = 0.01


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
        request); prompt upsampling goes in the model's own field (`bfl_fields`); input images
        in the model's fields, a URL as it is and a file in base64; extra goes last, verbatim."""
        params = catalog.given(request.params)
        spec = self.model_spec(request.model)
        body: dict[str, Any] = {"prompt": request.prompt}
        body.update(catalog.resolve_size(spec, params))
        body.update({k: v for k, v in params.items() if k not in OWN_FIELDS})
        body.update(bfl_fields.upsampling_fields(spec, params))  # the model's own field
        fields = bfl_fields.input_fields(spec, request.inputs)
        body.update({f: self.input_as(image, InputImage.wire_value) for f, image in fields})
        body.update(request.extra)
        return body

    @classmethod
    def check(cls, table: str, request: GenerationRequest) -> list[str]:
        """The catalog's and the wire fields' problems, and Kontext's narrower safety range
        with an input image."""
        spec = catalog.model_spec(table, request.model)
        params, extra = catalog.given(request.params), catalog.given(request.extra)
        safety = bfl_fields.safety_problems(spec, params, extra, request.inputs)
        return [*super().check(table, request), *safety]

    async def submit(self, request: GenerationRequest) -> Handle:
        url = f"{self.api_root}/{quote(request.model.strip('/'))}"
        response = await self.send("POST", url, json=self.build_body(request))
        if not response.is_success:
            raise self.http_error(response)
        data = self.read_json(response)
        return handle_from_submit(self.name, self.label, data, credits=self.in_credits)

    @property
    def in_credits(self) -> bool:
        """Whether the answers' `cost` is BFL credits (BFL itself, not a proxy)."""
        return self.protocol == "bfl"

    def polling_url(self, handle: Handle) -> str | None:
        """BFL's `polling_url`, when the submit gave one; Comet's is never used."""
        return handle.urls.get("polling_url") if self.protocol == "bfl" else None

    def submit_note(self, request: GenerationRequest, handle: Handle) -> str | None:
        """With `webhook_url` set, say whose webhook it is and how fluxtui follows the job."""
        if not (request.params.get("webhook_url") or request.extra.get("webhook_url")):
            return None
        where = "its polling URL" if self.polling_url(handle) else "get_result"
        return (
            f"{self.label} calls the webhook_url itself when the job ends: that webhook is the "
            f"provider's to call, and fluxtui receives none; it polls {where} instead"
        )

    async def balance(self) -> Balance | None:
        """BFL: `GET /v1/credits` -> `{"credits": N}`, free. CometAPI documents no such request."""
        if self.protocol != "bfl":
            return None
        response = await self.send("GET", f"{self.api_root}/credits")
        if not response.is_success:
            raise self.http_error(response)
        data = self.read_json(response)
        credits = _amount(data.get("credits")) if isinstance(data, Mapping) else None
        if credits is None:
            message = f"{self.label} sent a balance without credits: {show_json(data)}"
            raise self.bad_response(message)
        return Balance(credits=credits, usd=round(credits * USD_PER_CREDIT, 6))

    async def poll(self, handle: Handle) -> StatusUpdate:
        """GET BFL's `polling_url`, verbatim (it may name another of its clusters; one on an
        unrelated host is an error, the key is not sent there), else get_result?id= under the
        base URL: a webhook submit may answer without a `polling_url`, and Comet always polls
        its own get_result (its key goes to no other host)."""
        polling_url = self.polling_url(handle)
        if polling_url:
            response = await self.send("GET", polling_url, what="a polling URL")
        else:
            # the query written as httpx writes `params=` (the same bytes), so that the URL
            # string, the same at each poll of the job, is parsed once (`parsed_url`)
            query = urlencode({"id": handle.request_id})
            response = await self.send("GET", f"{self.api_root}/get_result?{query}")
        if response.status_code == 404:
            return job_not_found(self.label, "HTTP 404")
        if not response.is_success:
            raise self.http_error(response)
        return parse_status(self.label, self.read_json(response), credits=self.in_credits)


def handle_from_submit(provider: str, label: str, data: Any, *, credits: bool = False) -> Handle:
    """The Handle for a submit answer `{"id", "polling_url"?, "cost"?, ...}` (a webhook submit's
    `{"id", "status", "webhook_url"}` has no polling URL). With `credits`, its `cost` is BFL
    credits, kept as the handle's quote."""
    job_id = data.get("id") if isinstance(data, Mapping) else None
    if not isinstance(job_id, str) or not job_id:
        message = f"{label} answered the submit without a job id: {show_json(data)}"
        raise ProviderError(ErrorKind.BAD_RESPONSE, message)
    polling_url = data.get("polling_url")
    urls = {"polling_url": polling_url} if isinstance(polling_url, str) and polling_url else {}
    cost = reported_cost(data, settled=False) if credits else None
    return Handle(provider=provider, request_id=job_id, urls=urls, cost=cost)


def reported_cost(data: Mapping[str, Any], *, settled: bool) -> ReportedCost | None:
    """BFL's `cost` (credits; with `input_mp`/`output_mp` when given) in USD; None without one."""
    credits = _amount(data.get("cost"))
    if credits is None:
        return None
    return ReportedCost(
        usd=round(credits * USD_PER_CREDIT, 6),
        credits=credits,
        settled=settled,
        input_mp=_amount(data.get("input_mp")),
        output_mp=_amount(data.get("output_mp")),
    )


def _amount(value: Any) -> float | None:
    """A finite number of 0 or more, else None (a bool is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def parse_status(label: str, data: Any, *, credits: bool = False) -> StatusUpdate:
    """A get_result answer `{"id", "status", "result", "progress"?, "details"?, "cost"?}`, as an
    update; with `credits`, a Ready answer's `cost` is the settled cost in BFL credits."""
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
        return _ready(label, raw, data, credits=credits)
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


def _ready(label: str, raw: str, data: Mapping[str, Any], *, credits: bool) -> StatusUpdate:
    found = data.get("result")
    result: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    sample = result.get("sample")
    if not isinstance(sample, str) or not sample:
        message = f"{label} reported Ready without an image URL: {show_json(data)}"
        raise ProviderError(ErrorKind.BAD_RESPONSE, message, raw_status=raw)
    seed = result.get("seed")
    details = {k: result[k] for k in RESULT_DETAILS if result.get(k) is not None}
    return StatusUpdate(
        JobState.DOWNLOADING,
        raw,
        result=ProviderResult(
            images=(ImageRef(url=sample),),
            seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
            details=details,
            cost=reported_cost(data, settled=True) if credits else None,
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
