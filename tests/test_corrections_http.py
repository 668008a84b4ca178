"""providers.md §6 corrections over real HTTP: the engine and its adapters against the simulator.

What went on the wire is read from the adapter's own HTTP client (an httpx request hook), and
what the simulator made of it from its control API.
"""

from __future__ import annotations

import asyncio
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from fluxtui.core import exports, provenance, thumbnails
from fluxtui.core.config import Config
from fluxtui.core.engine import Engine
from fluxtui.core.errors import InvalidRequest
from fluxtui.core.library import page
from fluxtui.core.models import ErrorKind, JobState
from fluxtui.core.store import Store
from fluxtui.sim import SimServer
from tests.helpers import generate, request, sim_jobs


class Sent:
    """The JSON bodies of the POSTs a provider's client sends."""

    def __init__(self, engine: Engine, provider: str) -> None:
        self.bodies: list[dict[str, Any]] = []
        engine.provider(provider).client.event_hooks["request"].append(self._record)

    async def _record(self, request: httpx.Request) -> None:
        if request.method == "POST":
            self.bodies.append(json.loads(request.content))

    @property
    def last(self) -> dict[str, Any]:
        return self.bodies[-1]


def with_provider(config: Config, name: str, **changes: Any) -> Config:
    entry = replace(config.providers[name], **changes)
    return replace(config, providers={**config.providers, name: entry})


def max_overlap(jobs: list[dict[str, Any]]) -> int:
    """The most simulator jobs in flight at once (created, not yet ready)."""
    edges = sorted(
        [(job["created"], 1) for job in jobs] + [(job["ready_at"], -1) for job in jobs],
        key=lambda edge: (edge[0], edge[1]),  # a job ending at t frees its slot before t
    )
    most = current = 0
    for _, step in edges:
        current += step
        most = max(most, current)
    return most


# ---- prompt upsampling ---------------------------------------------------------------------------


def sim_job(sim: SimServer, marker: str) -> dict[str, Any]:
    """The one job the simulator made for a prompt holding `marker`."""
    [job] = [j for j in sim_jobs(sim) if marker in j["prompt"]]
    return job


@pytest.mark.parametrize("provider", ["bfl", "comet"])
@pytest.mark.parametrize(
    ("model", "given", "field", "upsampled"),
    [
        ("flux-2-pro", None, {"disable_pup": False}, True),  # the model's default: on
        ("flux-2-pro", False, {"disable_pup": True}, False),
        ("flux-2-max", True, {"disable_pup": False}, True),
        ("flux-2-max", False, {"disable_pup": True}, False),
        ("flux-2-flex", None, {"prompt_upsampling": True}, True),
        (
            "flux-2-flex",
            False,
            {"prompt_upsampling": False},
            False,
        ),  # "off" said, or flex upsamples
        ("flux-dev", None, {}, False),
        ("flux-dev", True, {"prompt_upsampling": True}, True),
        ("flux-kontext-pro", True, {"prompt_upsampling": True}, True),
    ],
)
async def test_correction_flux2_disable_pup(
    engine: Engine,
    sim: SimServer,
    provider: str,
    model: str,
    given: bool | None,
    field: dict[str, bool],
    upsampled: bool,
) -> None:
    """One "prompt upsampling" setting; each model gets it in its own field (pro/max:
    `disable_pup`), and the simulator upsamples exactly when the setting says so."""
    marker = f"pup {provider} {model} {given} 7a1c"
    params = {} if given is None else {"prompt_upsampling": given}
    job, _ = await generate(engine, provider, marker, model=model, **params)
    assert job.state is JobState.DONE, job.error
    made = sim_job(sim, marker)
    sent = {k: v for k, v in made["received"].items() if k in ("disable_pup", "prompt_upsampling")}
    assert sent == field
    assert made["ignored"] == []  # nothing sent that the model does not take
    assert made["upsampled"] is upsampled


async def test_correction_flux2_disable_pup_apiyi(engine: Engine) -> None:
    """APIYI takes `prompt_upsampling` for every model but klein, sent for FLUX.2 always (what
    went out is read from the adapter's own client)."""
    sent = Sent(engine, "apiyi")
    job, _ = await generate(engine, "apiyi", "pup apiyi 7a1c", model="flux-2-flex")
    assert job.state is JobState.DONE, job.error
    assert sent.last["prompt_upsampling"] is False and "disable_pup" not in sent.last
    job, _ = await generate(engine, "apiyi", "pup klein 7a1c", model="flux-2-klein-4b")
    assert job.state is JobState.DONE, job.error
    assert "prompt_upsampling" not in sent.last


# ---- WebP ----------------------------------------------------------------------------------------


async def test_correction_flux2_webp(engine: Engine, store: Store, tmp_path: Path) -> None:
    """A FLUX.2 WebP (transparent) is saved as .webp with its provenance inside, and the
    library, thumbnails, exports and contact sheets take it like PNG/JPEG."""
    sent = Sent(engine, "bfl")
    job, _ = await generate(
        engine,
        "bfl",
        "a webp fox 3b9e",
        model="flux-2-pro",
        output_format="webp",
        transparent_bg=True,
        width=512,
        height=384,
        seed=11,
    )
    assert job.state is JobState.DONE, job.error
    assert (sent.last["output_format"], sent.last["transparent_bg"]) == ("webp", True)
    [file] = map(Path, job.files)
    assert file.suffix == ".webp"
    data = file.read_bytes()
    assert provenance.sniff_format(data) == "webp"
    record = provenance.read(data)
    assert record is not None and record["job_id"] == job.id and record["seed"] == 11
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        assert (img.format, img.size) == ("WEBP", (512, 384))

    assert [j.id for j in page(store).jobs if j.files == job.files] == [job.id]
    thumb = thumbnails.thumbnail(file, 64, cache=tmp_path / "thumbs")
    with Image.open(thumb) as small:
        assert max(small.size) == 64
    exported = exports.export_job(job, tmp_path / "out")
    assert [p.name for p in exported.files] == [file.name]
    assert exported.files[0].read_bytes() == data
    assert json.loads(exported.sidecar.read_text())["files"] == [file.name]


async def test_correction_flux2_webp_refused_for_flux1(engine: Engine, sim: SimServer) -> None:
    with pytest.raises(InvalidRequest, match="output_format 'webp' is not one of jpeg, png"):
        await generate(engine, "bfl", "webp on dev 3b9e", model="flux-dev", output_format="webp")
    assert not [j for j in sim_jobs(sim) if "webp on dev 3b9e" in j["prompt"]]


# ---- Kontext -------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["bfl", "comet"])
async def test_correction_kontext_models(engine: Engine, provider: str) -> None:
    """Kontext gets its aspect ratio (any within 1:4…4:1) and makes png by default."""
    sent = Sent(engine, provider)
    job, _ = await generate(
        engine, provider, "kontext 5d2f", model="flux-kontext-pro", aspect_ratio="21:9", seed=4
    )
    assert job.state is JobState.DONE, job.error
    assert sent.last == {"prompt": "kontext 5d2f", "aspect_ratio": "21:9", "seed": 4}
    assert Path(job.files[0]).read_bytes().startswith(b"\x89PNG")  # Kontext's default
    job, _ = await generate(
        engine, provider, "kontext max 5d2f", model="flux-kontext-max", aspect_ratio="1:4"
    )
    assert job.state is JobState.DONE, job.error
    assert sent.last["aspect_ratio"] == "1:4" and "width" not in sent.last


async def test_correction_kontext_models_provider_words(engine: Engine) -> None:
    """Within the range fluxtui accepts, the provider's own 422 decides, in its own words."""
    job, _ = await generate(
        engine, "bfl", "kontext [[sim: submit=422]]", model="flux-kontext-pro", aspect_ratio="4:1"
    )
    assert job.state is JobState.FAILED
    assert job.error is not None and job.error.kind is ErrorKind.VALIDATION
    assert "Value error, invalid request" in job.error.message


# ---- in-flight caps ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "cap"),
    [({}, 6), ({"model_concurrency": {"flux-kontext-max": 2}}, 2)],
)
async def test_correction_inflight_caps(
    sim_config: Config,
    store: Store,
    tmp_path: Path,
    sim: SimServer,
    changes: dict[str, Any],
    cap: int,
) -> None:
    """At most 6 flux-kontext-max jobs in flight on BFL (or the config's number), however many
    are started; the simulator counts them."""
    config = with_provider(sim_config, "bfl", **changes)
    marker = f"capped kontext {cap} 8e4a"
    async with Engine(config, store, library=tmp_path / "lib") as engine:
        jobs = [
            engine.create_job(
                request(
                    engine,
                    "bfl",
                    f"{marker} {n} [[sim: queue=0.2, run=0.2]]",
                    model="flux-kontext-max",
                )
            )
            for n in range(cap + 3)
        ]
        done = await asyncio.gather(*(engine.run(job) for job in jobs))
    assert [job.state for job in done] == [JobState.DONE] * (cap + 3)
    made = [j for j in sim_jobs(sim) if marker in j["prompt"]]
    assert len(made) == cap + 3
    assert max_overlap(made) <= cap
    # the simulator answers 429 past BFL's 6: no submit met one, each was sent once
    attempts = sim_attempts(sim, marker)
    assert list(attempts.values()) == [1] * (cap + 3)


def sim_attempts(sim: SimServer, marker: str) -> dict[str, int]:
    """Submits the simulator received (a 429'd one too) per prompt holding `marker`."""
    listing = httpx.get(f"{sim.api_url}/_sim/jobs").json()["submit_attempts"]
    return {a["prompt"]: a["count"] for a in listing if marker in a["prompt"]}


async def test_correction_inflight_caps_are_bfl_s(
    sim_config: Config, store: Store, tmp_path: Path, sim: SimServer
) -> None:
    """The cap is BFL's own: allowed 9 at once (over the catalog's 6), the simulator refuses
    the 7th with a 429 (which fluxtui may send again: a 429 was never taken)."""
    config = with_provider(sim_config, "bfl", model_concurrency={"flux-kontext-max": 9})
    marker = "over the cap 8e4a"
    async with Engine(config, store, library=tmp_path / "lib", backoff_s=0.01) as engine:
        jobs = [
            engine.create_job(
                request(
                    engine,
                    "bfl",
                    f"{marker} {n} [[sim: queue=1.5, run=1.5]]",
                    model="flux-kontext-max",
                )
            )
            for n in range(9)
        ]
        done = await asyncio.gather(*(engine.run(job) for job in jobs))
    refused = [job for job in done if job.state is not JobState.DONE]
    assert refused and all(
        job.error and job.error.kind is ErrorKind.RATE_LIMITED for job in refused
    )
    assert "at most 6 may run at once" in refused[0].error.message  # the provider's words
    assert max(sim_attempts(sim, marker).values()) > 1
