"""Verbatim wire fields (`GenerationRequest.extra`): each adapter checks the fields it knows under
their wire names (fal's num_inference_steps, OpenAI's n and size, ...) against the model's rules,
with the exact message; and fal's size mapping."""

from __future__ import annotations

import httpx
import pytest

from fluxtui.core.catalog import model_spec
from fluxtui.core.models import GenerationRequest
from fluxtui.core.providers import create_provider, fal_fields, validate
from fluxtui.core.settings import ProviderSettings

#: the protocol each model table is spoken over
TABLE_PROTOCOLS = {"bfl": "bfl", "openai": "openai", "openai-compatible": "openai", "fal": "fal"}

WIRE_PROBLEMS = [
    # extra fields naming a wire field with a rule
    ("bfl", "flux-dev", {}, {"steps": 60}, None, "steps 60 is out of range 1–50 for flux-dev"),
    (
        "bfl",
        "flux-pro-1.1",
        {},
        {"width": 1000, "height": 768},
        None,
        "width 1000 is not a multiple of 32 for flux-pro-1.1 (try 992x768)",
    ),
    ("bfl", "flux-pro-1.1", {}, {"height": 768}, None, "give width and height together"),
    (
        "bfl",
        "flux-pro-1.1-ultra",
        {},
        {"aspect_ratio": "1:4"},
        None,
        "aspect_ratio 1:4 is outside 21:9…9:21 for flux-pro-1.1-ultra",
    ),
    ("openai", "flux-2-pro", {}, {"n": 2}, None, "n 2: flux-2-pro makes one image per request"),
    (
        "openai",
        "flux-2-pro",
        {},
        {"size": "1000x1024"},
        None,
        "size 1000x1024: width 1000 is not a multiple of 16 for flux-2-pro (try 1008x1024)",
    ),
    (
        "openai",
        "flux-2-pro",
        {},
        {"size": "2048x2064"},
        None,
        "size 2048x2064: height 2064 is out of range 64–2048 for flux-2-pro",
    ),
    (
        "openai",
        "flux-2-pro",
        {},
        {"size": "big"},
        None,
        "size 'big' is not WIDTHxHEIGHT like 1024x768",
    ),
    (
        "openai",
        "flux-2-pro",
        {},
        {"size": "1024x1024", "width": 1024, "height": 1024},
        None,
        "give size or width and height, not both",
    ),
    (
        "openai",
        "flux-2-pro",
        {},
        {"output_format": "webp"},
        None,
        "output_format 'webp' is not one of jpeg, png for flux-2-pro",
    ),
    (
        "fal",
        "fal-ai/flux/dev",
        {},
        {"num_inference_steps": 60},
        None,
        "num_inference_steps 60 is out of range 0–50 for fal-ai/flux/dev",
    ),
    (
        "fal",
        "fal-ai/flux/dev",
        {},
        {"guidance_scale": "x"},
        None,
        "guidance_scale 'x' is not a number",
    ),
    (
        "fal",
        "fal-ai/flux/dev",
        {},
        {"num_images": 9},
        None,
        "num_images 9 is out of range 1–4 for fal-ai/flux/dev",
    ),
    (
        "fal",
        "fal-ai/flux-pro/v1.1",
        {},
        {"enhance_prompt": "yes"},
        None,
        "enhance_prompt 'yes' is not true or false",
    ),
    (
        "fal",
        "fal-ai/flux/dev",
        {},
        {"image_size": "huge"},
        None,
        "image_size 'huge' is neither one of square_hd, square, portrait_4_3, portrait_16_9, "
        'landscape_4_3, landscape_16_9 nor {"width": W, "height": H} with positive integers',
    ),
    (
        "fal",
        "fal-ai/flux/dev",
        {},
        {"image_size": {"width": 0, "height": 512}},
        None,
        "image_size {'width': 0, 'height': 512} is neither one of square_hd, square, portrait_4_3, "
        'portrait_16_9, landscape_4_3, landscape_16_9 nor {"width": W, "height": H} '
        "with positive integers",
    ),
]


@pytest.mark.parametrize(("table", "model", "params", "extra", "prompt", "message"), WIRE_PROBLEMS)
def test_each_wire_rule_has_its_message(
    table: str, model: str, params: dict, extra: dict, prompt: str | None, message: str
) -> None:
    request = GenerationRequest(prompt or "a red fox in snow", "test", model, params, extra)
    assert validate(TABLE_PROTOCOLS[table], table, request) == [message]


WIRE_VALID = [
    (
        "bfl",
        "flux-pro-1.0-canny",
        {"aspect_ratio": "match_input", "steps": 999, "whatever": [1]},
        {"input_image": "https://x/y.png"},
    ),
    ("openai", "flux-2-max", {"width": 2048, "height": 2048}, {"n": 1}),
    ("openai", "flux-2-pro", {}, {"size": "1920x1088"}),
    ("openai", "flux-2-pro", {}, {"width": 1920, "height": 1088}),
    ("openai-compatible", "my-flux", {"num_images": 3, "steps": 9}, {"n": 5, "size": "weird"}),
    (
        "fal",
        "fal-ai/flux/dev",
        {},
        {
            "image_size": {"width": 512, "height": 512},
            "sync_mode": True,
            "steps": "ignored: not a fal field",
            "safety_tolerance": "2",
        },
    ),
    ("fal", "fal-ai/flux/dev", {}, {"image_size": "portrait_16_9"}),
]


@pytest.mark.parametrize(("table", "model", "params", "extra"), WIRE_VALID)
def test_valid_wire_fields_have_no_problems(
    table: str, model: str, params: dict, extra: dict
) -> None:
    request = GenerationRequest("a red fox in snow", "test", model, params, extra)
    assert validate(TABLE_PROTOCOLS[table], table, request) == []


async def test_a_provider_validates_canonical_params_and_wire_fields() -> None:
    request = GenerationRequest(
        "a fox", "fal", "fal-ai/flux/dev", {"steps": 60}, {"num_inference_steps": 70}
    )
    async with httpx.AsyncClient() as client:  # sends nothing
        provider = create_provider(ProviderSettings("fal", "fal", "https://queue.fal.run"), client)
        problems = provider.validate(request)
    assert problems == [
        "steps 60 is out of range 0–50 for fal-ai/flux/dev",
        "num_inference_steps 70 is out of range 0–50 for fal-ai/flux/dev",
    ]


@pytest.mark.parametrize(
    ("model", "params", "expected"),
    [
        ("fal-ai/flux/dev", {"aspect_ratio": "1:1"}, {"image_size": "square_hd"}),
        ("fal-ai/flux/dev", {"aspect_ratio": "4:3"}, {"image_size": "landscape_4_3"}),
        ("fal-ai/flux/dev", {"aspect_ratio": "8:6"}, {"image_size": "landscape_4_3"}),
        ("fal-ai/flux/dev", {"aspect_ratio": "16:9"}, {"image_size": "landscape_16_9"}),
        ("fal-ai/flux/dev", {"aspect_ratio": "3:4"}, {"image_size": "portrait_4_3"}),
        ("fal-ai/flux/schnell", {"aspect_ratio": "9:16"}, {"image_size": "portrait_16_9"}),
        (
            "fal-ai/flux/dev",
            {"aspect_ratio": "2:1"},
            {"image_size": {"width": 1456, "height": 720}},
        ),
        (
            "fal-ai/flux/dev",
            {"width": 1000, "height": 700},
            {"image_size": {"width": 1000, "height": 700}},
        ),
        ("fal-ai/flux/dev", {}, {}),
        ("fal-ai/flux-pro/v1.1-ultra", {"aspect_ratio": "16:9"}, {"aspect_ratio": "16:9"}),
        ("fal-ai/some/new-app", {"aspect_ratio": "16:9"}, {"aspect_ratio": "16:9"}),
        (
            "fal-ai/some/new-app",
            {"width": 512, "height": 768},
            {"image_size": {"width": 512, "height": 768}},
        ),
    ],
)
def test_fal_size(model: str, params: dict, expected: dict) -> None:
    assert fal_fields.image_size(model_spec("fal", model), params) == expected
