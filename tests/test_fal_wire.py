"""fal's corrections of providers.md section 6 over real HTTP: the fal adapter against the
simulator (cancel, ultra's fixed ratios, the FLUX.2 apps' exact sizes, the request timeout and
the queue priority)."""

from __future__ import annotations

import asyncio
import base64
import io
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from PIL import Image

from fluxtui.core import compare
from fluxtui.core.comparison import Target
from fluxtui.core.config import Config
from fluxtui.core.engine import Engine
from fluxtui.core.errors import ProviderError
from fluxtui.core.models import ErrorKind, JobState
from fluxtui.core.providers import create_provider
from fluxtui.core.providers.base import CancelOutcome
from fluxtui.core.store import Store
from tests.helpers import generate, request, sim_jobs

ULTRA = "fal-ai/flux-pro/v1.1-ultra"


async def test_correction_fal_cancel_ok_over_http(engine: Engine, sim) -> None:
    """A queued job's cancel removes it from the queue: the adapter reads it as requested (fal
    answers `OK` or `CANCELLATION_REQUESTED` for it), and the job never runs."""
    provider = engine.provider("fal")
    handle = await provider.submit(
        request(engine, "fal", "cancel me 5be1 [[sim: queue=5, depth=3]]")
    )
    assert await provider.cancel(handle) is CancelOutcome.REQUESTED
    [remote] = [j for j in sim_jobs(sim) if j["id"] == handle.request_id]
    assert remote["state"] == "cancelled"
    update = await provider.poll(handle)
    assert update.state is JobState.CANCELLED


async def test_correction_fal_ultra_aspect_enum_over_http(engine: Engine) -> None:
    """A comparison's 1000×700 reaches fal's ultra as 3:2 (the nearest ratio it takes), said so
    in the target's note, and the image comes back at 3:2."""
    [plan] = compare.plan(
        engine.config, "a fox 71c0", {"width": 1000, "height": 700}, [Target("fal", ULTRA)]
    )
    assert plan.ok and plan.request.params == {"aspect_ratio": "3:2"}
    assert plan.dropped == (
        "width×height 1000×700 (sent as aspect_ratio 3:2, the nearest it takes)",
    )
    job = await engine.generate(plan.request)
    assert job.state is JobState.DONE, job.error
    assert job.width and job.height and abs(job.width / job.height - 1.5) < 0.01


async def test_correction_fal_flux2_image_size_over_http(engine: Engine) -> None:
    """A FLUX.2 app makes the image at the size asked for: sides, or about 1 MP at a ratio (not
    fal's 1024×576 preset for 16:9)."""
    job, _ = await generate(
        engine, "fal", "a fox 52aa", model="fal-ai/flux-2-pro", width=400, height=304
    )
    assert job.state is JobState.DONE, job.error
    assert (job.width, job.height) == (400, 304)
    job, _ = await generate(
        engine,
        "fal",
        "a fox 52ab",
        model="fal-ai/flux-2-flex",
        aspect_ratio="16:9",
        steps=20,
        output_format="webp",
    )
    assert job.state is JobState.DONE, job.error
    assert (job.width, job.height) == (1360, 768)
    assert [Path(f).suffix for f in job.files] == [".webp"]


async def test_correction_fal_request_timeout_header_over_http(
    sim_config: Config, store: Store, tmp_path: Path, sim
) -> None:
    """The submit tells fal the job's timeout (whole seconds) and the configured priority."""
    entry = replace(sim_config.providers["fal"], queue_priority="low")
    config = replace(sim_config, providers={**sim_config.providers, "fal": entry}, timeout_s=120.5)
    async with Engine(config, store, library=tmp_path / "library") as engine:
        job, _ = await generate(engine, "fal", "a fox 0c1d", width=256, height=256)
    assert job.state is JobState.DONE, job.error
    [remote] = [j for j in sim_jobs(sim) if j["id"] == job.handle.request_id]
    assert remote["headers"] == {"x-fal-request-timeout": "120", "x-fal-queue-priority": "low"}


async def test_correction_fal_queue_priority_is_not_sent_unless_configured(
    engine: Engine, sim
) -> None:
    job, _ = await generate(engine, "fal", "a fox 0c1e", width=256, height=256)
    [remote] = [j for j in sim_jobs(sim) if j["id"] == job.handle.request_id]
    assert remote["headers"] == {"x-fal-request-timeout": "900"}


async def test_correction_fal_request_timeout_header_a_job_that_cannot_start_ends_readably(
    engine: Engine,
) -> None:
    """Held in the queue past its request timeout, fal drops the job: its status and its
    result both read as a job that could not start (not charged), never as a failure."""
    settings = replace(engine.config.settings("fal"), timeout_s=1.0)
    async with httpx.AsyncClient() as client:
        provider = create_provider(settings, client)
        handle = await provider.submit(
            request(engine, "fal", "held 9e1f [[sim: queue=30, depth=5]]", width=256, height=256)
        )
        update = await provider.poll(handle)
        for _ in range(200):
            if update.state is not JobState.QUEUED:
                break
            await asyncio.sleep(0.05)
            update = await provider.poll(handle)
        dropped = "fal dropped the job: it could not start within 1 s (not charged)"
        assert update.state is JobState.TIMED_OUT
        assert update.error is not None and update.error.kind is ErrorKind.TIMEOUT
        assert update.error.message == dropped
        with pytest.raises(ProviderError) as raised:
            await provider.fetch_result(handle)
    assert raised.value.kind is ErrorKind.TIMEOUT and raised.value.ends_job
    assert (raised.value.status_code, raised.value.message) == (504, dropped)


async def test_correction_fal_flux2_edit_app_over_http(engine: Engine) -> None:
    """An `/edit` app takes its inputs as `image_urls` (a data: URI here); with no size asked
    for, fal's `auto` makes the image at the input's size."""
    picture = io.BytesIO()
    Image.new("RGB", (320, 192), "teal").save(picture, format="PNG")
    data_uri = "data:image/png;base64," + base64.b64encode(picture.getvalue()).decode()
    job, _ = await generate(
        engine,
        "fal",
        "a fox 7d2e",
        model="fal-ai/flux-2/klein/9b/edit",
        extra={"image_urls": [data_uri]},
    )
    assert job.state is JobState.DONE, job.error
    assert (job.width, job.height) == (320, 192)
