"""fal's corrections of providers.md section 6, without HTTP: cancel `OK`, ultra's fixed ratios,
the FLUX.2 apps' exact sizes, and the platform headers (request timeout, queue priority)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from fluxtui.core import catalog
from fluxtui.core import config as config_module
from fluxtui.core.errors import ConfigError
from fluxtui.core.model_spec import nearest_ratio
from fluxtui.core.models import ErrorKind, GenerationRequest, JobState
from fluxtui.core.providers import create_provider, fal, fal_platform, validate
from fluxtui.core.providers.base import CancelOutcome, Provider
from fluxtui.core.settings import ProviderSettings, Secret

ULTRA = "fal-ai/flux-pro/v1.1-ultra"
RATIOS = "21:9, 16:9, 4:3, 3:2, 1:1, 2:3, 3:4, 9:16, 9:21"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:  # never sends anything in these tests
        yield http


def make(client: httpx.AsyncClient, **settings: Any) -> Provider:
    return create_provider(
        ProviderSettings(
            "fal", "fal", "https://queue.fal.run", Secret("test-key-0123456789"), **settings
        ),
        client,
    )


def req(
    model: str, params: dict[str, Any] | None = None, extra: dict[str, Any] | None = None
) -> GenerationRequest:
    return GenerationRequest("a red fox in snow", "fal", model, params or {}, extra or {})


# ---- cancel ---------------------------------------------------------------------------------------


def test_correction_fal_cancel_ok() -> None:
    """`{"status": "OK"}`: removed from the queue, as good as a requested cancel."""
    assert fal.parse_cancel({"status": "OK"}) is CancelOutcome.REQUESTED
    assert fal.parse_cancel({"status": "ok"}) is CancelOutcome.REQUESTED
    assert fal.parse_cancel({"status": "CANCELLATION_REQUESTED"}) is CancelOutcome.REQUESTED


# ---- ultra: a fixed set of ratios -------------------------------------------------------------


@pytest.mark.parametrize(
    ("sides", "nearest"),
    [
        ((1000, 700), "3:2"),  # 10:7
        ((1920, 1080), "16:9"),
        ((2, 1), "16:9"),
        ((1, 3), "9:21"),  # taller than any: the tallest
        ((5, 4), "4:3"),
        # nearer 1:1 on a linear scale, nearer 4:3 in log-ratio (the midpoint is √(4/3) ≈ 1.155)
        ((29, 25), "4:3"),
        ((25, 29), "3:4"),
    ],
)
def test_correction_fal_ultra_aspect_enum_nearest_in_log_ratio(
    sides: tuple[int, int], nearest: str
) -> None:
    spec = catalog.model_spec("fal", ULTRA)
    assert spec.aspect_ratios == tuple(RATIOS.split(", "))
    assert nearest_ratio(spec.aspect_ratios, sides) == nearest


def test_correction_fal_ultra_aspect_enum() -> None:
    """A size, or a ratio outside the set, becomes the nearest allowed ratio, said so in the
    plan's note; never an arbitrary 10:7."""
    kept, notes = catalog.split_supported("fal", req(ULTRA, {"width": 1000, "height": 700}))
    assert kept.params == {"aspect_ratio": "3:2"}
    assert notes == ["width×height 1000×700 (sent as aspect_ratio 3:2, the nearest it takes)"]
    assert catalog.validate("fal", kept) == []

    kept, notes = catalog.split_supported("fal", req(ULTRA, {"aspect_ratio": "10:7", "seed": 1}))
    assert kept.params == {"aspect_ratio": "3:2", "seed": 1}
    assert notes == ["aspect_ratio 10:7 (sent as aspect_ratio 3:2, the nearest it takes)"]

    in_set = req(ULTRA, {"aspect_ratio": "9:21"})
    assert catalog.split_supported("fal", in_set) == (in_set, [])
    # BFL's ultra takes any ratio in its range: a size is kept as its own ratio, silently
    kept, notes = catalog.split_supported(
        "bfl", req("flux-pro-1.1-ultra", {"width": 1000, "height": 700})
    )
    assert (kept.params, notes) == ({"aspect_ratio": "10:7"}, [])


def test_correction_fal_ultra_aspect_enum_refuses_a_ratio_outside_it() -> None:
    """Asked directly (one job, no comparison), a ratio outside the set is refused before sending,
    with the set and the nearest ratio."""
    assert validate("fal", "fal", req(ULTRA, {"aspect_ratio": "10:7"})) == [
        f"aspect_ratio 10:7 is not one of {RATIOS} for {ULTRA} (the nearest is 3:2)"
    ]
    assert validate("fal", "fal", req(ULTRA, {"aspect_ratio": "6:4"})) == []
    assert validate("fal", "fal", req(ULTRA, {"width": 1000, "height": 700})) == [
        f"{ULTRA} takes an aspect ratio, not width×height 1000×700: the nearest it takes is 3:2"
    ]


def test_correction_fal_ultra_aspect_enum_is_sent_as_fal_spells_it(
    client: httpx.AsyncClient,
) -> None:
    body = make(client).build_body(req(ULTRA, {"aspect_ratio": "6:4"}))
    assert body == {"prompt": "a red fox in snow", "aspect_ratio": "3:2"}


# ---- FLUX.2 apps --------------------------------------------------------------------------------

FLUX2_APPS = [
    "fal-ai/flux-2-pro",
    "fal-ai/flux-2-max",
    "fal-ai/flux-2-flex",
    "fal-ai/flux-2/klein/4b",
    "fal-ai/flux-2/klein/9b",
]


@pytest.mark.parametrize("app", [*FLUX2_APPS, *(f"{a}/edit" for a in FLUX2_APPS)])
def test_correction_fal_flux2_apps_are_in_the_catalog(app: str) -> None:
    spec = catalog.model_spec("fal", app)
    assert spec.known and spec.size is not None and not spec.aspect
    assert spec.default_size == (None if app.endswith("/edit") else (1024, 768))
    assert "prompt_upsampling" not in spec.params  # no fal field for it: dropped with a note


@pytest.mark.parametrize(
    ("params", "image_size"),
    [
        ({"width": 1920, "height": 1088}, {"width": 1920, "height": 1088}),
        # a ratio gets sides of about 1 MP in FLUX.2's multiple of 16, not fal's 1024×576 preset
        ({"aspect_ratio": "16:9"}, {"width": 1360, "height": 768}),
        ({"aspect_ratio": "1:1"}, {"width": 1024, "height": 1024}),
    ],
)
def test_correction_fal_flux2_image_size(
    client: httpx.AsyncClient, params: dict[str, Any], image_size: dict[str, int]
) -> None:
    """FLUX.2 apps get the requested size itself, never a preset approximation."""
    provider = make(client)
    for app in ("fal-ai/flux-2-pro", "fal-ai/flux-2/klein/9b/edit"):
        body = provider.build_body(req(app, params))
        assert body["image_size"] == image_size


def test_flux1_apps_keep_fals_presets(client: httpx.AsyncClient) -> None:
    body = make(client).build_body(req("fal-ai/flux/dev", {"aspect_ratio": "16:9"}))
    assert body["image_size"] == "landscape_16_9"


def test_correction_fal_flux2_fields(client: httpx.AsyncClient) -> None:
    body = make(client).build_body(
        req(
            "fal-ai/flux-2-flex/edit",
            {"steps": 30, "guidance": 5, "safety_tolerance": 4, "seed": 3, "output_format": "png"},
            {"image_urls": ["https://example.com/in.png"]},
        )
    )
    assert body == {
        "prompt": "a red fox in snow",
        "num_inference_steps": 30,
        "guidance_scale": 5,
        "safety_tolerance": "4",
        "seed": 3,
        "output_format": "png",
        "image_urls": ["https://example.com/in.png"],
    }


@pytest.mark.parametrize(
    ("model", "params", "extra", "problems"),
    [
        ("fal-ai/flux-2-pro", {"steps": 30}, {}, ["steps is not a parameter of fal-ai/flux-2-pro"]),
        (
            "fal-ai/flux-2-pro",
            {"prompt_upsampling": True},
            {},
            ["prompt_upsampling is not a parameter of fal-ai/flux-2-pro"],
        ),
        (
            "fal-ai/flux-2-pro",
            {"width": 1000, "height": 1088},
            {},
            ["width 1000 is not a multiple of 16 for fal-ai/flux-2-pro (try 1008x1088)"],
        ),
        (
            "fal-ai/flux-2-max",
            {"safety_tolerance": 6},
            {},
            ["safety_tolerance 6 is out of range 1–5 for fal-ai/flux-2-max"],
        ),
        ("fal-ai/flux-2-pro", {"output_format": "webp"}, {}, []),  # FLUX.2 writes WebP
        (
            "fal-ai/flux-2-pro",
            {"transparent_bg": True, "output_format": "png"},
            {},
            ["transparent_bg is not a parameter of fal-ai/flux-2-pro"],
        ),
        (
            "fal-ai/flux-pro/v1.1",
            {"output_format": "webp"},
            {},
            ["output_format 'webp' is not one of jpeg, png for fal-ai/flux-pro/v1.1"],
        ),
        (
            "fal-ai/flux-2-flex",
            {"steps": 60},
            {},
            ["steps 60 is out of range 1–50 for fal-ai/flux-2-flex"],
        ),
        (
            "fal-ai/flux-2-pro",
            {"num_images": 2},
            {},
            ["num_images 2: fal-ai/flux-2-pro makes one image per request"],
        ),
        (
            "fal-ai/flux-2/klein/4b",
            {"steps": 9},
            {},
            ["steps 9 is out of range 4–8 for fal-ai/flux-2/klein/4b"],
        ),
        (
            "fal-ai/flux-2-pro/edit",
            {},
            {},
            ["fal-ai/flux-2-pro/edit edits an image: give it with --image"],
        ),
        (
            "fal-ai/flux-2-pro/edit",
            {},
            {"image_urls": "https://example.com/in.png"},
            ["image_urls 'https://example.com/in.png' is not a list of image URLs"],
        ),
        (
            "fal-ai/flux-2-pro/edit",
            {},
            {"image_urls": ["https://example.com/in.png", 3]},
            [
                "image_urls ['https://example.com/in.png', 3] holds something that is not an image URL"
            ],
        ),
        (
            "fal-ai/flux/dev",
            {},
            {"image_size": "auto"},
            [
                "image_size 'auto' is neither one of square_hd, square, portrait_4_3, portrait_16_9, "
                'landscape_4_3, landscape_16_9 nor {"width": W, "height": H} with positive integers'
            ],
        ),
        (
            "fal-ai/flux-2-pro/edit",
            {},
            {"image_urls": ["data:image/png;base64,iVBO"], "image_size": "auto"},
            [],
        ),
        ("fal-ai/flux-2/klein/9b", {"num_images": 4, "steps": 8}, {}, []),
    ],
)
def test_correction_fal_flux2_rules(
    model: str, params: dict[str, Any], extra: dict[str, Any], problems: list[str]
) -> None:
    assert validate("fal", "fal", req(model, params, extra)) == problems


def test_correction_fal_flux2_upsampling_is_dropped_with_a_note() -> None:
    """No fal FLUX.2 app names a prompt-upsampling field: a comparison drops it and says so."""
    request = req("fal-ai/flux-2-flex", {"prompt_upsampling": False, "seed": 2})
    kept, dropped = catalog.split_supported("fal", request)
    assert (kept.params, dropped) == ({"seed": 2}, ["prompt_upsampling"])


# ---- platform headers ---------------------------------------------------------------------------


def test_correction_fal_request_timeout_header() -> None:
    settings = ProviderSettings("fal", "fal", "https://queue.fal.run", timeout_s=900.0)
    assert fal_platform.submit_headers(settings) == {"X-Fal-Request-Timeout": "900"}
    short = ProviderSettings("fal", "fal", "https://queue.fal.run", timeout_s=0.4)
    assert fal_platform.submit_headers(short) == {"X-Fal-Request-Timeout": "1"}
    assert fal_platform.submit_headers(ProviderSettings("fal", "fal", "https://q")) == {}


def test_correction_fal_request_timeout_header_504_is_a_readable_end() -> None:
    settings = ProviderSettings("fal", "fal", "https://queue.fal.run", timeout_s=600.0)
    user = httpx.Headers({"X-Fal-Request-Timeout-Type": "user"})
    error = fal_platform.queue_timeout("fal", 504, user, settings)
    assert error is not None
    assert error.kind is ErrorKind.TIMEOUT and error.ends_job and error.status_code == 504
    assert error.message == "fal dropped the job: it could not start within 600 s (not charged)"
    # any other 504 is a gateway's hiccup, worth another poll
    assert fal_platform.queue_timeout("fal", 504, httpx.Headers(), settings) is None
    assert fal_platform.queue_timeout("fal", 500, user, settings) is None


def test_correction_fal_queue_priority(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[providers.fal]\nqueue_priority = "low"\n')
    config = config_module.load(path, env={})
    settings = config.settings("fal")
    assert settings.queue_priority == "low"
    assert settings.timeout_s == config_module.DEFAULT_TIMEOUT_S
    assert fal_platform.submit_headers(settings) == {
        "X-Fal-Request-Timeout": "900",
        "X-Fal-Queue-Priority": "low",
    }
    assert config_module.load(tmp_path / "none.toml", env={}).settings("fal").queue_priority is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[providers.fal]\nqueue_priority = "high"\n',
            r"config.toml, line 2: providers.fal.queue_priority must be normal or low, got 'high'",
        ),
        (
            "[providers.fal]\nqueue_priority = 1\n",
            r"config.toml, line 2: providers.fal.queue_priority must be a string, got 1",
        ),
        (
            '[providers.comet]\n\nqueue_priority = "low"\n',
            r"config.toml, line 3: providers.comet.queue_priority is a fal setting; "
            r"this provider is comet",
        ),
    ],
)
def test_correction_fal_queue_priority_mistakes(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        config_module.load(path, env={})


def test_correction_fal_request_timeout_header_status_of_a_dropped_job() -> None:
    answer = {
        "status": "COMPLETED",
        "error": "Request timed out before it could start",
        "error_type": "request_timeout",
    }
    update = fal.parse_status("fal", answer, 900)
    assert update.state is JobState.TIMED_OUT and update.error is not None
    assert update.error.kind is ErrorKind.TIMEOUT
    assert update.error.message == (
        "fal dropped the job: it could not start within 900 s (not charged)"
    )
    event = fal.parse_event("fal", json.dumps(answer))
    assert event is not None and event.error is not None
    assert event.error.message == "fal dropped the job: it could not start in time (not charged)"
