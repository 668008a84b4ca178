"""The state one simulator app shares between its routes."""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from fluxtui.sim.config import PublicUrls, SimConfig
from fluxtui.sim.directives import Directives
from fluxtui.sim.jobs import Job, JobStore
from fluxtui.sim.render import RenderSpec, fit, render
from fluxtui.sim.signing import UrlSigner
from fluxtui.sim.storage import UploadStore

T = TypeVar("T")


def _given(value: T | None, default: T) -> T:
    return default if value is None else value


class Sim:
    """Configuration, public URLs, jobs, uploads and the URL signer of one simulator."""

    def __init__(self, config: SimConfig, urls: PublicUrls) -> None:
        self.config = config
        self.urls = urls
        self.store = JobStore(config.seed)
        self.uploads = UploadStore()
        self.signer = UrlSigner()

    async def pause(self, directives: Directives) -> None:
        """The extra per-job delay a ``latency=`` directive asks for."""
        if directives.latency:
            await asyncio.sleep(directives.latency)

    def new_job(
        self,
        *,
        service: str,
        model: str,
        prompt: str,
        text: str,
        directives: Directives,
        submits: int,
        width: int,
        height: int,
        fmt: str,
        seed: int | None,
        immediate: bool = False,
        **extra: Any,
    ) -> Job:
        """Create and store a job; timings come from its directives, else the config.

        ``immediate`` jobs are decided at once (no queue, no run). The size is capped to what
        the renderer draws (``render.MAX_PIXELS``), keeping the aspect ratio.
        """
        width, height = fit(width, height)
        return self.store.add(
            Job(
                id=self.store.new_id(),
                service=service,
                model=model,
                prompt=prompt,
                text=text,
                directives=directives,
                submits=submits,
                width=width,
                height=height,
                fmt=fmt,
                seed=self.store.new_seed() if seed is None else seed,
                queue_s=0.0 if immediate else _given(directives.queue, self.config.queue_s),
                run_s=0.0 if immediate else _given(directives.run, self.config.run_s),
                depth=_given(directives.depth, self.config.queue_depth),
                **extra,
            )
        )

    async def image(self, job: Job, index: int) -> bytes:
        """The job's ``index``-th image, rendered off the event loop on first use."""
        async with job.render_lock:
            if index not in job.images:
                spec = RenderSpec(
                    job.text,
                    job.seed + index,
                    job.model,
                    job.width,
                    job.height,
                    job.fmt,
                    black=job.nsfw,
                    transparent=job.transparent,
                    inputs=tuple(i.data for i in job.inputs if i.field != "mask"),
                    mask=next((i.data for i in job.inputs if i.field == "mask"), None),
                )
                job.images[index] = await run_in_threadpool(render, spec)
        return job.images[index]
