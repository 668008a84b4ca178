"""The simulator as one Starlette app: every service under its path prefix (or one service at
the root, ``PublicUrls.only``), plus delivery and the control endpoints ``POST /_sim/reset`` and
``GET /_sim/jobs``."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from fluxtui.sim import delivery, routes_bfl, routes_fal, routes_openai, stopgap_inputs
from fluxtui.sim.config import PublicUrls, SimConfig
from fluxtui.sim.context import Sim


class _Latency:
    """Delays every HTTP request by a fixed number of seconds."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.seconds > 0:
            await asyncio.sleep(self.seconds)
        await self.app(scope, receive, send)


def _control_routes(sim: Sim) -> list[Route]:
    async def reset(request: Request) -> JSONResponse:
        sim.store.reset()
        return JSONResponse({"ok": True})

    async def jobs(request: Request) -> JSONResponse:
        return JSONResponse(sim.store.listing())

    return [
        Route("/_sim/reset", reset, methods=["POST"]),
        Route("/_sim/jobs", jobs, methods=["GET"]),
    ]


def create_app(config: SimConfig | None = None, public_urls: PublicUrls | None = None) -> Starlette:
    """Build the simulator app. ``public_urls`` are the addresses its answers name (polling
    URLs, image URLs); in-process use with ``httpx.ASGITransport`` may keep the defaults.
    The app's shared state is ``app.state.sim``."""
    sim = Sim(config or SimConfig(), public_urls or PublicUrls())
    app = Starlette(
        routes=[  # fal's submit takes any POST path under its mount: it comes last
            *_control_routes(sim),
            *delivery.routes(sim),
            *routes_bfl.routes(sim),
            *routes_openai.routes(sim),
            *stopgap_inputs.storage_routes(sim),
            *routes_fal.routes(sim),
        ],
        middleware=[Middleware(_Latency, seconds=sim.config.latency_s)],
    )
    app.state.sim = sim
    return app
