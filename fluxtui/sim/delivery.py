"""Signed, expiring image URLs, and the delivery host that serves them.

``{cluster}/delivery/{token}/sample.{jpeg|png|webp}?exp=UNIX&sig=HEX`` where ``sig`` is
HMAC-SHA256 over ``path + "?exp=" + exp`` with a per-simulator secret (``signing.UrlSigner``).
Answers like a CDN's object storage, with XML bodies: bad or missing signature -> 403
``AuthenticationFailed``; expired -> 404 ``ResourceNotFound`` (as APIYI documents: an expired URL
answers 404); unknown object -> 404 too. The job's download directives (``download=``,
``redirect_loop``, ``gzip``, ``slow``, ``bomb``, ``pad``, ``truncate``, ``corrupt``,
``drop=download``) shape the answer.
"""

from __future__ import annotations

import gzip
import time
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fluxtui.sim.bomb import bomb_png
from fluxtui.sim.faults import DropConnection, Headers, PaddedBody, SlowBody, TruncatedBody

if TYPE_CHECKING:
    from fluxtui.sim.context import Sim
    from fluxtui.sim.jobs import Job

_MEDIA_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
_ERROR_CODES = {429: "TooManyRequests", 500: "InternalError", 503: "ServerBusy"}
Answer = Response | DropConnection | TruncatedBody | SlowBody | PaddedBody


def image_url(sim: Sim, job: Job, index: int) -> str:
    """The signed URL of a job's ``index``-th image; it expires ``ttl`` after the job's end."""
    ttl = job.directives.ttl if job.directives.ttl is not None else sim.config.url_ttl_s
    exp = int(job.end_time + ttl)
    path = f"/delivery/{job.id}_{index}/sample.{job.fmt}"
    return f"{sim.urls.cluster}{path}?exp={exp}&sig={sim.signer.signature(path, exp)}"


def _xml(
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
) -> Response:
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return Response(body, status_code=status, media_type="application/xml", headers=headers)


def _refusal(job: Job, status: int) -> Response:
    """The error a ``download=CODE`` directive asks for, with ``Retry-After`` where it fits."""
    headers = {}
    if status in (429, 503) and job.directives.retry_after is not None:
        headers["retry-after"] = f"{job.directives.retry_after:g}"
    code = _ERROR_CODES.get(status, f"Error{status}")
    return _xml(status, code, f"The download failed with {status}.", headers)


def _body(job: Job, image: bytes) -> tuple[bytes, Headers]:
    """The bytes on the wire and their headers: the image, gzip-encoded (or not) by directive."""
    media_type = "image/png" if job.directives.bomb else _MEDIA_TYPES[job.fmt]
    headers: Headers = [(b"content-type", media_type.encode())]
    if job.directives.gzip == "good":
        image = gzip.compress(image)
    if job.directives.gzip is not None:  # "bad": labelled gzip, sent as it is
        headers.append((b"content-encoding", b"gzip"))
    headers.append((b"content-length", str(len(image)).encode()))
    return image, headers


async def _deliver(sim: Sim, request: Request, job: Job, index: int) -> Answer:
    """The answer to a valid, unexpired download of the job's ``index``-th image."""
    d = job.directives
    await sim.pause(d)
    if job.take_drop("download"):
        return DropConnection()
    status = job.take_download()
    if status is not None:
        return _refusal(job, status)
    if d.redirect_loop:
        return Response(status_code=302, headers={"location": str(request.url)})
    if d.corrupt:
        body = b"<html><body>not an image</body></html>" * 64
        return Response(body, media_type=_MEDIA_TYPES[job.fmt])
    image = await run_in_threadpool(bomb_png) if d.bomb else await sim.image(job, index)
    body, headers = _body(job, image)
    if d.truncate:
        return TruncatedBody(body, headers)
    if d.slow is not None:
        return SlowBody(body, headers, d.slow)
    if d.pad is not None:
        return PaddedBody(body, headers, int(d.pad * 2**20))
    return Response(body, headers={k.decode(): v.decode() for k, v in headers})


def routes(sim: Sim) -> list[Route]:
    async def download(request: Request) -> Answer:
        path = request.url.path
        query = request.query_params
        if not sim.signer.verify(path, query.get("exp", ""), query.get("sig", "")):
            return _xml(
                403,
                "AuthenticationFailed",
                "Server failed to authenticate the request. Signature did not match.",
            )
        if time.time() >= int(query["exp"]):
            return _xml(
                404,
                "ResourceNotFound",
                "The specified resource does not exist or its link has expired.",
            )
        job_id, _, index = request.path_params["token"].rpartition("_")
        job = sim.store.jobs.get(job_id)
        if job is None or not index.isdigit() or int(index) >= job.num_images:
            return _xml(404, "ResourceNotFound", "The specified resource does not exist.")
        return await _deliver(sim, request, job, int(index))

    return [Route("/delivery/{token}/sample.{ext}", download, methods=["GET"])]
