"""fal's corrections of providers.md section 6 over real HTTP: the fal adapter against the
simulator (cancel, ultra's fixed ratios, the FLUX.2 apps' exact sizes)."""

from __future__ import annotations

from fluxtui.core import compare
from fluxtui.core.comparison import Target
from fluxtui.core.engine import Engine
from fluxtui.core.models import JobState
from fluxtui.core.providers.base import CancelOutcome
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
        f"width×height 1000×700 (sent as aspect_ratio 3:2, the nearest {ULTRA} takes)",
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
        engine, "fal", "a fox 52ab", model="fal-ai/flux-2-flex", aspect_ratio="16:9", steps=20
    )
    assert job.state is JobState.DONE, job.error
    assert (job.width, job.height) == (1360, 768)
