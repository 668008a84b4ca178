"""fal's storage: upload a file, get a URL an app's ``image_url`` can name (providers.md 6).

As ``fal-client`` does it, under the fal base URL (playing ``rest.fal.ai``) and on the cluster
port (playing the CDN, ``v3.fal.media``):

- ``POST {fal}/storage/auth/token?storage_type=fal-cdn-v3`` (``Authorization: Key``, body
  ``{}``) -> ``{"token", "token_type": "Bearer", "base_url", "expires_at"}``;
  ``POST {base_url}/files/upload`` with the bytes, ``Content-Type``, ``X-Fal-File-Name`` and
  ``Authorization: Bearer {token}`` -> ``{"access_url"}`` (a missing or unknown token: 401).
- The older flow: ``POST {fal}/storage/upload/initiate?storage_type=gcs`` with
  ``{"file_name", "content_type"}`` -> ``{"upload_url", "file_url"}``, then ``PUT`` the bytes
  to ``upload_url`` (signed; no key needed).
- ``GET`` an ``access_url`` / ``file_url`` serves the file back (404 until it is complete).

``POST /_sim/faults`` with ``{"stage": "token" | "upload" | "initiate" | "put", "status": CODE,
"times": N}`` makes that stage answer CODE (the first N times; every time without ``times``);
``GET /_sim/jobs`` lists the ``uploads``; ``POST /_sim/reset`` forgets them and the faults.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fluxtui.sim import auth
from fluxtui.sim.context import Sim
from fluxtui.sim.intake import fault_message, read_body
from fluxtui.sim.routes_fal import FalDialect
from fluxtui.sim.storage import STAGES, Fault, Upload
from fluxtui.sim.validation import parse_json_object

CDN = "/fal-cdn"
GCS = "/fal-gcs"
#: Seconds a signed PUT URL of the older flow is valid.
PUT_TTL_S = 3600


def _fault(status: int) -> Response:
    return JSONResponse({"detail": fault_message(status)}, status_code=status)


def _not_found() -> Response:
    body = "<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code></Error>"
    return Response(body, status_code=404, media_type="application/xml")


def _file_name(raw: object) -> str:
    name = raw if isinstance(raw, str) and raw.strip() else "upload.bin"
    return quote(name.strip().rsplit("/", 1)[-1], safe="._-") or "upload.bin"


def routes(sim: Sim) -> list[Route]:
    if "fal" not in sim.urls.services:
        return []
    store = sim.uploads
    dialect = FalDialect()
    mount = sim.urls.mount("fal")

    async def token(request: Request) -> Response:
        refusal = auth.check("fal", request.headers, sim.config.required_keys)
        if refusal is not None:
            return dialect.refusal(refusal)
        if (status := store.take_fault("token")) is not None:
            return _fault(status)
        value, expires = store.new_token(auth.received_key("fal", request.headers))
        return JSONResponse(
            {
                "token": value,
                "token_type": "Bearer",
                "base_url": sim.urls.cluster + CDN,
                "expires_at": datetime.fromtimestamp(expires, UTC).isoformat(),
            }
        )

    async def upload(request: Request) -> Response:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not store.token_valid(value.strip()):
            return JSONResponse({"detail": "Invalid or expired upload token"}, status_code=401)
        if (status := store.take_fault("upload")) is not None:
            return _fault(status)
        data = await read_body(sim, request)
        if data is None:
            return _fault(413)
        file_id, name = store.new_id(), _file_name(request.headers.get("x-fal-file-name"))
        content_type = request.headers.get("content-type", "application/octet-stream")
        url = f"{sim.urls.cluster}{CDN}/files/{file_id}/{name}"
        store.add(Upload(file_id, "cdn", name, content_type, url, data))
        return JSONResponse({"access_url": url, "content_type": content_type})

    async def initiate(request: Request) -> Response:
        refusal = auth.check("fal", request.headers, sim.config.required_keys)
        if refusal is not None:
            return dialect.refusal(refusal)
        if (status := store.take_fault("initiate")) is not None:
            return _fault(status)
        body, errors = parse_json_object(await request.body())
        if body is None:
            return dialect.invalid(errors)
        file_id, name = store.new_id(), _file_name(body.get("file_name"))
        content_type = body.get("content_type")
        if not isinstance(content_type, str):
            content_type = "application/octet-stream"
        url = f"{sim.urls.cluster}{GCS}/files/{file_id}/{name}"
        store.add(Upload(file_id, "initiate", name, content_type, url))
        path = f"{GCS}/upload/{file_id}"
        exp = int(time.time()) + PUT_TTL_S
        upload_url = f"{sim.urls.cluster}{path}?exp={exp}&sig={sim.signer.signature(path, exp)}"
        return JSONResponse({"upload_url": upload_url, "file_url": url})

    async def put(request: Request) -> Response:
        query = request.query_params
        found = store.uploads.get(request.path_params["file_id"])
        if not sim.signer.verify(request.url.path, query.get("exp", ""), query.get("sig", "")):
            return Response("<Error><Code>SignatureDoesNotMatch</Code></Error>", 403)
        if found is None or time.time() >= int(query["exp"]):
            return _not_found()
        if (status := store.take_fault("put")) is not None:
            return _fault(status)
        data = await read_body(sim, request)
        if data is None:
            return _fault(413)
        found.data = data
        return Response(status_code=200)

    async def serve(request: Request) -> Response:
        found = store.uploads.get(request.path_params["file_id"])
        if (
            found is None
            or found.data is None
            or found.file_name != _file_name(request.path_params["name"])
        ):
            return _not_found()
        return Response(found.data, media_type=found.content_type)

    async def faults(request: Request) -> Response:
        body, _ = parse_json_object(await request.body())
        stage, status = (body or {}).get("stage"), (body or {}).get("status")
        times = (body or {}).get("times")
        if (
            stage not in STAGES
            or not isinstance(status, int)
            or not 400 <= status <= 599
            or not (times is None or (isinstance(times, int) and times >= 0))
        ):
            detail = f"give stage (one of {', '.join(STAGES)}), status 400-599 and times >= 0"
            return JSONResponse({"detail": detail}, status_code=422)
        store.faults[stage] = Fault(status, times)
        return JSONResponse({"ok": True})

    return [
        Route("/_sim/faults", faults, methods=["POST"]),
        Route(f"{mount}/storage/auth/token", token, methods=["POST"]),
        Route(f"{mount}/storage/upload/initiate", initiate, methods=["POST"]),
        Route(f"{CDN}/files/upload", upload, methods=["POST"]),
        Route(GCS + "/upload/{file_id}", put, methods=["PUT"]),
        Route(CDN + "/files/{file_id}/{name}", serve, methods=["GET"]),
        Route(GCS + "/files/{file_id}/{name}", serve, methods=["GET"]),
    ]
