"""Signed, expiring image URLs, and the delivery host that serves them.

``{cluster}/delivery/{token}/sample.{jpeg|png}?exp=UNIX&sig=HEX`` where ``sig`` is
HMAC-SHA256 over ``path + "?exp=" + exp`` with a per-simulator secret (``signing.UrlSigner``).
Answers like a CDN's object storage, with XML bodies: bad or missing signature -> 403
``AuthenticationFailed``; expired -> 404 ``ResourceNotFound`` (as APIYI documents: an expired URL
answers 404); unknown object -> 404 too.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fluxtui.sim.faults import DropConnection, TruncatedBody

if TYPE_CHECKING:
    from fluxtui.sim.context import Sim
    from fluxtui.sim.jobs import Job

_MEDIA_TYPES = {"jpeg": "image/jpeg", "png": "image/png"}


def image_url(sim: Sim, job: Job, index: int) -> str:
    """The signed URL of a job's ``index``-th image; it expires ``ttl`` after the job's end."""
    ttl = job.directives.ttl if job.directives.ttl is not None else sim.config.url_ttl_s
    exp = int(job.end_time + ttl)
    path = f"/delivery/{job.id}_{index}/sample.{job.fmt}"
    return f"{sim.urls.cluster}{path}?exp={exp}&sig={sim.signer.signature(path, exp)}"


def _xml(status: int, code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return Response(body, status_code=status, media_type="application/xml")


def routes(sim: Sim) -> list[Route]:
    async def download(request: Request) -> Response | DropConnection | TruncatedBody:
        path = request.url.path
        query = request.query_params
        if not sim.signer.verify(path, query.get("exp", ""), query.get("sig", "")):
            return _xml(403, "AuthenticationFailed",
                        "Server failed to authenticate the request. Signature did not match.")
        if time.time() >= int(query["exp"]):
            return _xml(404, "ResourceNotFound",
                        "The specified resource does not exist or its link has expired.")
        job_id, _, index = request.path_params["token"].rpartition("_")
        job = sim.store.jobs.get(job_id)
        if job is None or not index.isdigit() or int(index) >= job.num_images:
            return _xml(404, "ResourceNotFound", "The specified resource does not exist.")
        await sim.pause(job.directives)
        if job.take_drop("download"):
            return DropConnection()
        media_type = _MEDIA_TYPES[job.fmt]
        if job.directives.corrupt:
            return Response(b"<html><body>not an image</body></html>" * 64, media_type=media_type)
        body = await sim.image(job, int(index))
        if job.directives.truncate:
            return TruncatedBody(body, media_type)
        return Response(body, media_type=media_type)

    return [Route("/delivery/{token}/sample.{ext}", download, methods=["GET"])]
