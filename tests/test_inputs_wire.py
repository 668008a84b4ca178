"""Input images on the wire, over real HTTP against the simulator: each protocol's form (BFL and
CometAPI base64 or URL fields, fal data URIs and the storage upload, OpenAI-style multipart edits),
the exact bytes the simulator received, one paid submit, and nothing sent for a bad input."""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
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


def sent(job: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Each input the simulator took: its field, the form it came in and its bytes' SHA-256."""
    return [(item["field"], item["form"], item["sha256"]) for item in job["inputs"]]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A folder of tmp_path served over HTTP on 127.0.0.1 (an input URL the simulator fetches)."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(QuietHandler, directory=str(folder))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_address[1]}"
        server.shutdown()
        thread.join()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.parametrize("provider", ["bfl", "comet"])
async def test_kontext_gets_each_file_in_base64_in_its_numbered_field(
    engine: Engine, sim: SimServer, tmp_path: Path, provider: str
) -> None:
    first, second = files(tmp_path, 2)
    job = await run(
        engine, provider, "flux-kontext-pro", f"stormy sky 7c1 {provider}", [first, second]
    )
    assert job.state is JobState.DONE, job.error
    taken = sim_job(sim, f"stormy sky 7c1 {provider}")
    assert sent(taken) == [
        ("input_image", "base64", first.sha256),
        ("input_image_2", "base64", second.sha256),
    ]
    assert str(tmp_path) not in str(taken)  # the path never leaves the machine


async def test_flux2_takes_a_url_as_it_is_and_files_in_order(
    engine: Engine, sim: SimServer, tmp_path: Path, served: str
) -> None:
    remote = write_image(tmp_path / "served" / "ref.png", (80, 64), color="purple")
    url = InputImage(source=f"{served}/ref.png", url=f"{served}/ref.png")
    local = files(tmp_path, 1)[0]
    job = await run(
        engine, "bfl", "flux-2-pro", "two refs 8d2", [url, local], width=512, height=512
    )
    assert job.state is JobState.DONE, job.error
    taken = sim_job(sim, "two refs 8d2")
    assert taken["received"]["input_image"] == f"{served}/ref.png"  # the URL as it was given
    assert sent(taken) == [
        ("input_image", "url", hashlib.sha256(remote.read_bytes()).hexdigest()),
        ("input_image_2", "base64", local.sha256),
    ]


async def test_flux1_gets_its_image_prompt_and_ultra_its_strength(
    engine: Engine, sim: SimServer, tmp_path: Path
) -> None:
    (ref,) = files(tmp_path, 1)
    job = await run(
        engine, "bfl", "flux-pro-1.1-ultra", "ultra ref 3f4", [ref], image_prompt_strength=0.3
    )
    assert job.state is JobState.DONE, job.error
    taken = sim_job(sim, "ultra ref 3f4")
    assert sent(taken) == [("image_prompt", "base64", ref.sha256)]
    assert taken["received"]["image_prompt_strength"] == 0.3


async def test_fill_gets_its_image_and_mask(engine: Engine, sim: SimServer, tmp_path: Path) -> None:
    (image,) = files(tmp_path, 1)
    mask = check_file(
        write_image(tmp_path / "mask.png", (64, 48), color="white"), "mask.png", "mask"
    )
    job = await run(engine, "bfl", "flux-pro-1.0-fill", "fill 5a6", [image, mask])
    taken = sim_job(sim, "fill 5a6")
    assert sent(taken) == [("image", "base64", image.sha256), ("mask", "base64", mask.sha256)]
    assert job.state is JobState.DONE, job.error


async def test_fal_edit_apps_get_data_uris_in_image_urls(
    engine: Engine, sim: SimServer, tmp_path: Path
) -> None:
    first, second = files(tmp_path, 2)
    job = await run(engine, "fal", "fal-ai/flux-2-pro/edit", "fal edit 2b7", [first, second])
    assert job.state is JobState.DONE, job.error
    taken = sim_job(sim, "fal edit 2b7")
    assert sent(taken) == [
        ("image_urls", "data_uri", first.sha256),
        ("image_urls", "data_uri", second.sha256),
    ]


async def test_fal_uploads_a_file_over_the_inline_limit_and_sends_its_url(
    engine: Engine, sim: SimServer, tmp_path: Path
) -> None:
    path = write_image(tmp_path / "big.png", (1300, 1300), noise=True)
    big = check_file(path, "big.png", "image")
    assert big.size is not None and big.size > fal_storage.INLINE_MAX_BYTES
    job = await run(engine, "fal", "fal-ai/flux-pro/kontext", "fal upload 4c8", [big])
    assert job.state is JobState.DONE, job.error
    taken = sim_job(sim, "fal upload 4c8")
    assert sent(taken) == [("image_url", "upload", big.sha256)]
    access_url = taken["received"]["image_url"]
    assert access_url.startswith(sim.cluster_url)  # the simulator's CDN, not a data: URI
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
    taken = sim_job(sim, prompt)
    field = "image[]" if count > 1 else "image"
    assert sent(taken) == [(field, "multipart", i.sha256) for i in inputs]
    # the files are named by their place, never by their path
    names = [item["file_name"] for item in taken["inputs"]]
    assert names == [f"image-{n}.png" for n in range(1, count + 1)]
    received = taken["received"]
    # a form's fields are text
    assert (received["model"], received["size"], received["seed"]) == (model, "512x512", "4")


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
