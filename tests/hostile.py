"""A provider that names other hosts in its answers, and a host that records who called it.

One uvicorn server in a thread, listening on two loopback addresses: ``home`` (127.0.0.1, the
base URL of the providers under test) and ``elsewhere`` (127.0.0.2, an unrelated host). The
submits on ``home`` answer with polling/status URLs and image URLs on ``elsewhere`` (a BFL submit
with a ``webhook_url`` answers ``{"id", "status", "webhook_url"}``, no polling URL); every
request, on either address, is recorded with its headers, so a test can say which host saw
which key. Both addresses answer every route, so that a client that wrongly follows a foreign
URL succeeds and only the recording tells.
"""

from __future__ import annotations

import asyncio
import io
import json
import socket
import threading
import time
from dataclasses import dataclass

import uvicorn
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

HOME, ELSEWHERE = "127.0.0.1", "127.0.0.2"


@dataclass(frozen=True)
class Seen:
    """One request as the fake received it."""

    host: str  # the address it came in on: HOME or ELSEWHERE
    method: str
    path: str
    headers: dict[str, str]
    query: str = ""


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 20)).save(out, "PNG")
    return out.getvalue()


class HostileProvider:
    """Comet, BFL and fal look-alikes whose answers point at ``elsewhere``."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self._sockets = [self._bind(HOME), self._bind(ELSEWHERE)]
        self.home, self.elsewhere = (
            f"http://{host}:{sock.getsockname()[1]}"
            for host, sock in zip((HOME, ELSEWHERE), self._sockets, strict=True)
        )
        self._server = uvicorn.Server(
            uvicorn.Config(
                self._app(),
                log_level="warning",
                access_log=False,
                lifespan="off",
                log_config=None,
            )
        )
        self._thread = threading.Thread(
            target=asyncio.run, args=(self._server.serve(sockets=self._sockets),), daemon=True
        )

    @staticmethod
    def _bind(host: str) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((host, 0))
        return sock

    def base_url(self, provider: str) -> str:
        return f"{self.home}/{provider}"

    def seen_at(self, host: str) -> list[Seen]:
        return [s for s in self.seen if s.host == host]

    def start(self) -> HostileProvider:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "the hostile provider did not start"
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        for sock in self._sockets:
            sock.close()

    def _app(self) -> Starlette:
        image = _png()

        def record(request: Request) -> None:
            host = request.scope["server"][0]
            headers = dict(request.headers)
            self.seen.append(
                Seen(host, request.method, request.url.path, headers, request.url.query)
            )

        def ready(job_id: str) -> dict[str, object]:
            return {
                "id": job_id,
                "status": "Ready",
                "result": {"sample": f"{self.elsewhere}/image.png", "seed": 7},
            }

        async def bfl_submit(request: Request) -> Response:
            record(request)
            webhook = (await request.json()).get("webhook_url")
            if webhook:
                return JSONResponse({"id": "job-1", "status": "Pending", "webhook_url": webhook})
            prefix = "/comet/flux/v1" if request.url.path.startswith("/comet") else "/bfl/v1"
            return JSONResponse(
                {"id": "job-1", "polling_url": f"{self.elsewhere}{prefix}/get_result?id=job-1"}
            )

        async def bfl_result(request: Request) -> Response:
            record(request)
            return JSONResponse(ready(request.query_params.get("id", "")))

        async def fal_submit(request: Request) -> Response:
            record(request)
            root = f"{self.elsewhere}/fal/fal-ai/flux/requests/req-1"
            return JSONResponse(
                {
                    "status": "IN_QUEUE",
                    "request_id": "req-1",
                    "response_url": root,
                    "status_url": f"{root}/status",
                    "cancel_url": f"{root}/cancel",
                    "queue_position": 0,
                }
            )

        async def fal_status(request: Request) -> Response:
            record(request)
            return JSONResponse({"status": "COMPLETED", "logs": None, "metrics": {}})

        async def fal_stream(request: Request) -> Response:
            record(request)
            event = json.dumps({"status": "COMPLETED", "logs": None, "metrics": {}})
            return Response(f"data: {event}\n\n", media_type="text/event-stream")

        async def fal_result(request: Request) -> Response:
            record(request)
            return JSONResponse(
                {
                    "images": [
                        {
                            "url": f"{self.elsewhere}/image.png",
                            "width": 64,
                            "height": 48,
                            "content_type": "image/png",
                        }
                    ],
                    "seed": 7,
                    "has_nsfw_concepts": [False],
                }
            )

        async def png(request: Request) -> Response:
            record(request)
            return Response(image, media_type="image/png")

        async def redirect(request: Request) -> Response:
            record(request)
            return RedirectResponse(f"{self.elsewhere}/image.png", status_code=307)

        requests = "/fal/{owner}/{app}/requests/{request_id}"
        return Starlette(
            routes=[
                Route("/comet/flux/v1/get_result", bfl_result, methods=["GET"]),
                Route("/comet/flux/v1/{model}", bfl_submit, methods=["POST"]),
                Route("/bfl/v1/get_result", bfl_result, methods=["GET"]),
                Route("/bfl/v1/{model}", bfl_submit, methods=["POST"]),
                Route(requests + "/status/stream", fal_stream, methods=["GET"]),
                Route(requests + "/status", fal_status, methods=["GET"]),
                Route(requests, fal_result, methods=["GET"]),
                Route("/fal/{app_id:path}", fal_submit, methods=["POST"]),
                Route("/image.png", png, methods=["GET"]),
                Route("/redirect", redirect, methods=["GET"]),
            ]
        )
