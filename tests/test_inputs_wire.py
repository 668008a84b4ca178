"""Input images on the wire, over real HTTP against the simulator: each protocol's form (BFL and
CometAPI base64 or URL fields, fal data URIs and the storage upload, OpenAI-style multipart edits),
the exact bytes the simulator received, one paid submit, and nothing sent for a bad input."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from fluxtui.core.engine import Engine
from fluxtui.core.input_images import InputImage
from fluxtui.core.input_resolve import check_file
from fluxtui.core.models import ErrorKind, GenerationRequest, Job, JobState
from fluxtui.core.providers import fal_storage
from fluxtui.core.providers.fal import FalProvider
from fluxtui.core.settings import ProviderSettings
from fluxtui.sim import SimServer
from tests.helpers import sim_jobs
from tests.inputs_helpers import write_image


def sim_job(sim: SimServer, marker: str) -> dict[str, Any]:
    [job] = [j for j in sim_jobs(sim) if marker in j["prompt"]]
    return job


def files(tmp_path: Path, count: int, size: tuple[int, int] = (64, 48)) -> list[InputImage]:
    colors = ("teal", "orange", "navy", "olive")
    return [
        check_file(
            write_image(tmp_path / f"in{n}.png", size, color=colors[n % 4]), f"in{n}.png", "image"
        )
        for n in range(count)
    ]


async def run(
    engine: Engine, provider: str, model: str, prompt: str, inputs: list[InputImage], **params: Any
) -> Job:
    request = GenerationRequest(prompt, provider, model, params, inputs=tuple(inputs))
    return await engine.generate(request)


def b64(image: InputImage) -> str:
    return base64.b64encode(Path(str(image.path)).read_bytes()).decode()


@pytest.mark.parametrize("provider", ["bfl", "comet"])
async def test_kontext_gets_each_file_in_base64_in_its_numbered_field(
    engine: Engine, sim: SimServer, tmp_path: Path, provider: str
) -> None:
    first, second = files(tmp_path, 2)
    job = await run(
        engine, provider, "flux-kontext-pro", f"stormy sky 7c1 {provider}", [first, second]
    )
    assert job.state is JobState.DONE, job.error
    received = sim_job(sim, f"stormy sky 7c1 {provider}")["received"]
    assert received["input_image"] == b64(first)
    assert received["input_image_2"] == b64(second)
    assert str(tmp_path) not in str(received)  # the path never leaves the machine


async def test_flux2_takes_a_url_as_it_is_and_files_in_order(
    engine: Engine, sim: SimServer, tmp_path: Path
) -> None:
    url = InputImage(source="https://example.com/ref.png", url="https://example.com/ref.png")
    local = files(tmp_path, 1)[0]
    job = await run(
        engine, "bfl", "flux-2-pro", "two refs 8d2", [url, local], width=512, height=512
    )
    assert job.state is JobState.DONE, job.error
    received = sim_job(sim, "two refs 8d2")["received"]
    assert received["input_image"] == "https://example.com/ref.png"
    assert received["input_image_2"] == b64(local)


async def test_flux1_gets_its_image_prompt_and_ultra_its_strength(
    engine: Engine, sim: SimServer, tmp_path: Path
) -> None:
    (ref,) = files(tmp_path, 1)
    job = await run(
        engine, "bfl", "flux-pro-1.1-ultra", "ultra ref 3f4", [ref], image_prompt_strength=0.3
    )
    assert job.state is JobState.DONE, job.error
    received = sim_job(sim, "ultra ref 3f4")["received"]
    assert received["image_prompt"] == b64(ref)
    assert received["image_prompt_strength"] == 0.3


async def test_fill_gets_its_image_and_mask(engine: Engine, sim: SimServer, tmp_path: Path) -> None:
    (image,) = files(tmp_path, 1)
    mask = check_file(
        write_image(tmp_path / "mask.png", (64, 48), color="white"), "mask.png", "mask"
    )
    job = await run(engine, "bfl", "flux-pro-1.0-fill", "fill 5a6", [image, mask])
    received = sim_job(sim, "fill 5a6")["received"]
    assert (received["image"], received["mask"]) == (b64(image), b64(mask))
    assert job.state is JobState.DONE, job.error


async def test_fal_edit_apps_get_data_uris_in_image_urls(
    engine: Engine, sim: SimServer, tmp_path: Path
) -> None:
    first, second = files(tmp_path, 2)
    job = await run(engine, "fal", "fal-ai/flux-2-pro/edit", "fal edit 2b7", [first, second])
    assert job.state is JobState.DONE, job.error
    received = sim_job(sim, "fal edit 2b7")["received"]
    assert received["image_urls"] == [f"data:image/png;base64,{b64(i)}" for i in (first, second)]


async def test_fal_uploads_a_file_over_the_inline_limit_and_sends_its_url(
    engine: Engine, sim: SimServer, tmp_path: Path
) -> None:
    path = write_image(tmp_path / "big.png", (1300, 1300), noise=True)
    big = check_file(path, "big.png", "image")
    assert big.size is not None and big.size > fal_storage.INLINE_MAX_BYTES
    job = await run(engine, "fal", "fal-ai/flux-pro/kontext", "fal upload 4c8", [big])
    assert job.state is JobState.DONE, job.error
    received = sim_job(sim, "fal upload 4c8")["received"]
    access_url = received["image_url"]
    assert access_url.startswith(sim.api_url) and not access_url.startswith("data:")
    fetched = httpx.get(access_url).content
    assert hashlib.sha256(fetched).hexdigest() == big.sha256


@pytest.mark.parametrize(
    ("provider", "model", "count"), [("apiyi", "flux-2-pro", 2), ("openai", "my-editor", 1)]
)
async def test_openai_style_edits_go_as_multipart_files(
    engine: Engine, sim: SimServer, tmp_path: Path, provider: str, model: str, count: int
) -> None:
    inputs = files(tmp_path, count)
    prompt = f"openai edit 6e9 {provider}"
    job = await run(engine, provider, model, prompt, inputs, width=512, height=512, seed=4)
    assert job.state is JobState.DONE, job.error
    received = sim_job(sim, prompt)["received"]
    field = "image[]" if count > 1 else "image"
    assert [f["sha256"] for f in received[field]] == [i.sha256 for i in inputs]
    assert [f["filename"] for f in received[field]] == [
        f"image-{n}.png" for n in range(1, count + 1)
    ]
    assert (received["model"], received["size"], received["seed"]) == (model, "512x512", 4)


async def test_a_file_changed_after_the_check_fails_the_job_unsent(
    engine: Engine, sim: SimServer, tmp_path: Path
) -> None:
    (image,) = files(tmp_path, 1)
    write_image(Path(str(image.path)), color="red")
    job = await run(engine, "bfl", "flux-kontext-pro", "changed 1d3", [image])
    assert job.state is JobState.FAILED and job.error is not None
    assert (
        job.error.kind is ErrorKind.INVALID
        and "in0.png changed since it was checked" in job.error.message
    )
    assert not [j for j in sim_jobs(sim) if "changed 1d3" in j["prompt"]]


def test_fals_key_goes_to_its_storage_host_and_the_token_only_to_fals_hosts() -> None:
    settings = ProviderSettings("fal", "fal", "https://queue.fal.run")
    provider = FalProvider(settings, httpx.AsyncClient())
    assert fal_storage.storage_root("https://queue.fal.run") == "https://rest.fal.ai"
    assert provider.key_allowed("https://rest.fal.ai/storage/auth/token")
    assert not provider.key_allowed(
        "https://v3.fal.media/files/upload"
    )  # the token's, not the key's
    assert not provider.key_allowed("https://rest.fal.ai.evil.com/storage/auth/token")
    assert fal_storage.upload_allowed("https://v3.fal.media/files/upload", "https://queue.fal.run")
    assert not fal_storage.upload_allowed(
        "https://evil.example/files/upload", "https://queue.fal.run"
    )
    assert not fal_storage.upload_allowed(
        "http://v3.fal.media/files/upload", "https://queue.fal.run"
    )
