"""The least the simulator needs to take input images in the two forms that are not JSON fields
(providers.md §6), until the full version (inputs-sim) replaces this module:

- ``POST {openai|apiyi}/v1/images/edits`` (multipart): its text fields become a generations
  body, each file becomes ``{"filename", "content_type", "sha256", "size"}`` under its field in
  the job's ``received`` (so a test sees which bytes arrived); the answer is the generations one.
- fal's storage: ``POST {fal}/storage/auth/token`` (fal's key) -> ``{"token", "token_type",
  "base_url", "expires_at"}``; ``POST {base_url}/files/upload`` with ``Authorization: Bearer
  {token}`` -> ``{"access_url"}``; ``GET`` the access URL serves the bytes back.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Mapping
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fluxtui.sim import auth
from fluxtui.sim.context import Sim

Endpoint = Callable[..., Any]
_NUMBERS = ("n", "seed", "width", "height", "safety_tolerance", "steps")


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """A multipart/form-data body's text fields and its files (by field name, in order)."""
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body
    )
    fields: dict[str, Any] = {}
    files: dict[str, list[Any]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if not isinstance(name, str):
            continue
        if filename is None:
            fields[name] = _value(name, data.decode("utf-8"))
            continue
        files.setdefault(name, []).append(
            {
                "filename": filename,
                "content_type": part.get_content_type(),
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
            }
        )
    return fields, files


def _value(name: str, text: str) -> Any:
    """A form field's text as the JSON value a generations body holds."""
    if name in _NUMBERS and text.lstrip("-").isdigit():
        return int(text)
    return {"true": True, "false": False}.get(text, text)


def edits_routes(sim: Sim, generations: Mapping[str, Endpoint]) -> list[Route]:
    """An edits route per OpenAI-style service, answering through its generations endpoint."""

    def endpoint(service: str, generate: Endpoint) -> Route:
        async def edits(request: Request) -> Any:
            content_type = request.headers.get("content-type", "")
            if not content_type.startswith("multipart/form-data"):
                return JSONResponse(
                    {"error": {"message": "Expected multipart/form-data", "type": "invalid"}},
                    status_code=400,
                )
            fields, files = parse_multipart(content_type, await request.body())
            body = json.dumps({**fields, **files}).encode()
            headers = [(k, v) for k, v in request.scope["headers"] if k != b"content-type"]
            scope = {**request.scope, "headers": [*headers, (b"content-type", b"application/json")]}

            async def receive() -> dict[str, Any]:
                return {"type": "http.request", "body": body, "more_body": False}

            return await generate(Request(scope, receive))

        return Route(f"{sim.urls.mount(service)}/v1/images/edits", edits, methods=["POST"])

    return [endpoint(service, generate) for service, generate in generations.items()]


def storage_routes(sim: Sim) -> list[Route]:
    """fal's token and upload flow; the uploads live as long as the app."""
    if "fal" not in sim.urls.services:
        return []
    mount = sim.urls.mount("fal")
    tokens: set[str] = set()
    uploads: dict[str, tuple[bytes, str]] = {}

    async def token(request: Request) -> Response:
        refusal = auth.check("fal", request.headers, sim.config.required_keys)
        if refusal is not None:
            return JSONResponse({"detail": "Unauthorized"}, status_code=401)
        issued = secrets.token_urlsafe(16)
        tokens.add(issued)
        base = str(request.base_url).rstrip("/") + f"{mount}/_cdn"
        return JSONResponse(
            {"token": issued, "token_type": "Bearer", "base_url": base, "expires_at": "never"}
        )

    async def upload(request: Request) -> Response:
        issued = request.headers.get("authorization", "").partition(" ")[2]
        if issued not in tokens:
            return JSONResponse({"detail": "Unauthorized"}, status_code=401)
        file_id = secrets.token_hex(8)
        content_type = request.headers.get("content-type", "application/octet-stream")
        uploads[file_id] = (await request.body(), content_type)
        base = str(request.base_url).rstrip("/") + f"{mount}/_cdn/files/{file_id}"
        return JSONResponse({"access_url": base})

    async def serve(request: Request) -> Response:
        found = uploads.get(request.path_params["file_id"])
        if found is None:
            return JSONResponse({"detail": "Not found"}, status_code=404)
        return Response(found[0], media_type=found[1])

    return [
        Route(f"{mount}/storage/auth/token", token, methods=["POST"]),
        Route(f"{mount}/_cdn/files/upload", upload, methods=["POST"]),
        Route(f"{mount}/_cdn/files/{{file_id}}", serve, methods=["GET"]),
    ]
