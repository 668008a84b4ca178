"""Every provider end to end over real HTTP on loopback: submit, follow, download, store."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from fluxtui.core import provenance
from fluxtui.core.engine import Engine
from fluxtui.core.models import JobState
from tests.helpers import generate, states

PROVIDERS = ["comet", "bfl", "apiyi", "openai", "fal"]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_job_ends_with_a_verified_stamped_file(engine: Engine, provider: str) -> None:
    job, events = await generate(engine, provider, "a red fox in the snow", seed=1234)
    assert job.state is JobState.DONE, job.error
    assert states(events)[0] is JobState.PENDING and states(events)[-1] is JobState.DONE
    assert JobState.DOWNLOADING in states(events)
    [path] = map(Path, job.files)
    assert path.is_file() and path.parent.parent == engine.library
    assert path.name.startswith(job.id)
    data = path.read_bytes()
    with Image.open(path) as img:
        img.load()
        assert img.size == (job.width, job.height)
    meta = provenance.read(data)
    assert meta["prompt"] == "a red fox in the snow"
    assert meta["seed"] == 1234 == job.seed
    assert meta["provider"] == provider and meta["job_id"] == job.id
    stored = engine.store.get(job.id)
    assert stored.state is JobState.DONE and stored.files == job.files
    assert not list(path.parent.glob(".*.part"))


@pytest.mark.parametrize("provider", ["comet", "bfl", "fal"])
async def test_asynchronous_providers_pass_through_the_queue(engine: Engine, provider: str) -> None:
    job, events = await generate(engine, provider)
    seen = states(events)
    assert seen[:2] == [JobState.PENDING, JobState.SUBMITTED]
    assert JobState.QUEUED in seen or JobState.RUNNING in seen
    assert seen[-2:] == [JobState.DOWNLOADING, JobState.DONE]
    timings = job.timings()
    assert timings["total"] >= timings["download"] >= 0


async def test_fal_reports_queue_position_and_logs(engine: Engine) -> None:
    job, events = await generate(engine, "fal", "a lighthouse [[sim: queue=0.4, run=0.4, depth=3]]")
    assert job.state is JobState.DONE, job.error
    positions = [e.queue_position for e in events if e.state is JobState.QUEUED]
    assert any(p is not None and p >= 1 for p in positions)
    assert any(e.log for e in events if e.state is JobState.RUNNING)


async def test_fal_works_by_polling_too(sim_config, store, tmp_path) -> None:
    async with Engine(sim_config, store, library=tmp_path / "lib", stream_status=False) as engine:
        job, events = await generate(engine, "fal", "a lighthouse [[sim: queue=0.3, depth=2]]")
    assert job.state is JobState.DONE, job.error
    assert JobState.QUEUED in states(events)


async def test_several_images_get_numbered_names(engine: Engine) -> None:
    job, _ = await generate(engine, "fal", "two foxes", num_images=2)
    assert job.state is JobState.DONE, job.error
    assert [Path(f).stem for f in job.files] == [f"{job.id}-1", f"{job.id}-2"]


async def test_openai_base64_answers_are_saved(engine: Engine) -> None:
    job, _ = await generate(
        engine, "openai", "a cat", output_format="png", extra={"response_format": "b64_json"}
    )
    assert job.state is JobState.DONE, job.error
    assert Path(job.files[0]).suffix == ".png"


async def test_png_output_is_kept_as_png(engine: Engine) -> None:
    job, _ = await generate(engine, "comet", "a fox", output_format="png")
    assert Path(job.files[0]).read_bytes().startswith(b"\x89PNG")
