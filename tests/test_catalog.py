"""The model catalog: every validation rule of a canonical param with its exact message, size
resolution, look-ups. Verbatim wire fields are checked by the adapters (test_adapters_mapping)."""

from __future__ import annotations

from typing import Any

import pytest

from fluxtui.core import catalog, model_tables
from fluxtui.core.catalog import (
    dims_for_aspect,
    model_spec,
    resolve_size,
    split_supported,
    validate,
)
from fluxtui.core.model_spec import ModelSpec, SizeRule
from fluxtui.core.models import GenerationRequest
from fluxtui.core.settings import ProviderSettings


def req(
    model: str,
    params: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    prompt: str = "a red fox in snow",
) -> GenerationRequest:
    return GenerationRequest(prompt, "test", model, params or {}, extra or {})


# ---- one rule, one message -----------------------------------------------------------------------

PROBLEMS = [
    # the prompt
    ("bfl", "flux-dev", {}, {}, "", "prompt is empty"),
    ("fal", "fal-ai/flux/dev", {}, {}, "  \n ", "prompt is empty"),
    ("openai-compatible", " ", {}, {}, None, "model is empty"),
    # params a model does not take
    ("bfl", "flux-pro-1.1", {"steps": 30}, {}, None, "steps is not a parameter of flux-pro-1.1"),
    ("bfl", "flux-dev", {"interval": 2}, {}, None, "interval is not a parameter of flux-dev"),
    ("bfl", "flux-pro-1.1", {"raw": True}, {}, None, "raw is not a parameter of flux-pro-1.1"),
    (
        "bfl",
        "flux-pro-1.1-ultra",
        {"width": 1024},
        {},
        None,
        "width is not a parameter of flux-pro-1.1-ultra",
    ),
    (
        "bfl",
        "flux-2-klein-4b",
        {"prompt_upsampling": True},
        {},
        None,
        "prompt_upsampling is not a parameter of flux-2-klein-4b",
    ),
    (
        "bfl",
        "flux-2-pro",
        {"image_prompt": "https://x/y.png"},
        {},
        None,
        "image_prompt is not a parameter of flux-2-pro",
    ),
    ("openai", "flux-2-pro", {"steps": 30}, {}, None, "steps is not a parameter of flux-2-pro"),
    (
        "fal",
        "fal-ai/flux/dev",
        {"safety_tolerance": 2},
        {},
        None,
        "safety_tolerance is not a parameter of fal-ai/flux/dev",
    ),
    (
        "fal",
        "fal-ai/flux/schnell",
        {"guidance": 3.5},
        {},
        None,
        "guidance is not a parameter of fal-ai/flux/schnell",
    ),
    # types
    ("bfl", "flux-dev", {"steps": 2.5}, {}, None, "steps 2.5 is not an integer"),
    ("bfl", "flux-dev", {"steps": True}, {}, None, "steps True is not an integer"),
    ("bfl", "flux-dev", {"seed": "42"}, {}, None, "seed '42' is not an integer"),
    ("bfl", "flux-dev", {"guidance": "abc"}, {}, None, "guidance 'abc' is not a number"),
    (
        "bfl",
        "flux-dev",
        {"guidance": float("nan")},
        {},
        None,
        "guidance nan is not a finite number",
    ),
    (
        "bfl",
        "flux-dev",
        {"prompt_upsampling": "yes"},
        {},
        None,
        "prompt_upsampling 'yes' is not true or false",
    ),
    ("bfl", "flux-dev", {"image_prompt": 5}, {}, None, "image_prompt 5 is not text"),
    ("bfl", "flux-dev", {"output_format": 1}, {}, None, "output_format 1 is not text"),
    # choices
    (
        "bfl",
        "flux-dev",
        {"output_format": "gif"},
        {},
        None,
        "output_format 'gif' is not one of jpeg, png for flux-dev",
    ),
    (
        "fal",
        "fal-ai/flux/dev",
        {"acceleration": "max"},
        {},
        None,
        "acceleration 'max' is not one of none, regular, high for fal-ai/flux/dev",
    ),
    # ranges
    ("bfl", "flux-dev", {"steps": 60}, {}, None, "steps 60 is out of range 1–50 for flux-dev"),
    ("bfl", "flux-dev", {"steps": 0}, {}, None, "steps 0 is out of range 1–50 for flux-dev"),
    (
        "bfl",
        "flux-dev",
        {"guidance": 5.5},
        {},
        None,
        "guidance 5.5 is out of range 1.5–5 for flux-dev",
    ),
    ("bfl", "flux-pro", {"interval": 5}, {}, None, "interval 5 is out of range 1–4 for flux-pro"),
    (
        "bfl",
        "flux-pro-1.1",
        {"safety_tolerance": 7},
        {},
        None,
        "safety_tolerance 7 is out of range 0–6 for flux-pro-1.1",
    ),
    (
        "bfl",
        "flux-2-pro",
        {"safety_tolerance": 6},
        {},
        None,
        "safety_tolerance 6 is out of range 0–5 for flux-2-pro",
    ),
    (
        "bfl",
        "flux-2-flex",
        {"guidance": 11},
        {},
        None,
        "guidance 11 is out of range 1.5–10 for flux-2-flex",
    ),
    (
        "bfl",
        "flux-pro-1.1-ultra",
        {"image_prompt_strength": 1.5},
        {},
        None,
        "image_prompt_strength 1.5 is out of range 0–1 for flux-pro-1.1-ultra",
    ),
    ("bfl", "flux-dev", {"seed": -1}, {}, None, "seed -1 is below the minimum 0 for flux-dev"),
    (
        "openai",
        "flux-2-flex",
        {"steps": 51},
        {},
        None,
        "steps 51 is out of range 1–50 for flux-2-flex",
    ),
    (
        "openai",
        "flux-2-pro",
        {"safety_tolerance": 7},
        {},
        None,
        "safety_tolerance 7 is out of range 0–6 for flux-2-pro",
    ),
    (
        "fal",
        "fal-ai/flux/dev",
        {"guidance": 25},
        {},
        None,
        "guidance 25 is out of range 1–20 for fal-ai/flux/dev",
    ),
    (
        "fal",
        "fal-ai/flux/dev",
        {"steps": 51},
        {},
        None,
        "steps 51 is out of range 0–50 for fal-ai/flux/dev",
    ),
    (
        "fal",
        "fal-ai/flux/schnell",
        {"steps": 20},
        {},
        None,
        "steps 20 is out of range 1–12 for fal-ai/flux/schnell",
    ),
    (
        "fal",
        "fal-ai/flux-pro/v1.1",
        {"safety_tolerance": 0},
        {},
        None,
        "safety_tolerance 0 is out of range 1–6 for fal-ai/flux-pro/v1.1",
    ),
    # sizes
    (
        "bfl",
        "flux-pro-1.1",
        {"width": 1000, "height": 768},
        {},
        None,
        "width 1000 is not a multiple of 32 for flux-pro-1.1 (try 992x768)",
    ),
    (
        "bfl",
        "flux-2-pro",
        {"width": 1024, "height": 1000},
        {},
        None,
        "height 1000 is not a multiple of 16 for flux-2-pro (try 1024x1008)",
    ),
    (
        "openai",
        "flux-2-pro",
        {"width": 1000, "height": 1024},
        {},
        None,
        "width 1000 is not a multiple of 16 for flux-2-pro (try 1008x1024)",
    ),
    (
        "bfl",
        "flux-pro-1.1",
        {"width": 1472, "height": 768},
        {},
        None,
        "width 1472 is out of range 256–1440 for flux-pro-1.1",
    ),
    (
        "bfl",
        "flux-dev",
        {"width": 1024, "height": 224},
        {},
        None,
        "height 224 is out of range 256–1440 for flux-dev",
    ),
    (
        "bfl",
        "flux-2-pro",
        {"width": 48, "height": 1024},
        {},
        None,
        "width 48 is below the minimum 64 for flux-2-pro",
    ),
    (
        "openai",
        "flux-2-max",
        {"width": 2064, "height": 512},
        {},
        None,
        "width 2064 is out of range 64–2048 for flux-2-max",
    ),
    (
        "bfl",
        "flux-2-pro",
        {"width": 2064, "height": 2048},
        {},
        None,
        "width×height 2064×2048 is over 4 MP for flux-2-pro",
    ),
    (
        "bfl",
        "flux-2-max",
        {"width": 4096, "height": 1536},
        {},
        None,
        "width×height 4096×1536 is over 4 MP for flux-2-max",
    ),
    (
        "openai",
        "flux-dev",
        {"width": 2048, "height": 2064},
        {},
        None,
        "height 2064 is out of range 64–2048 for flux-dev",
    ),
    (
        "bfl",
        "flux-pro-1.1",
        {"width": "1024", "height": 768},
        {},
        None,
        "width '1024' is not an integer",
    ),
    ("fal", "fal-ai/flux/dev", {"width": 0, "height": 512}, {}, None, "width 0 is not positive"),
    ("bfl", "flux-pro-1.1", {"width": 1024}, {}, None, "give width and height together"),
    ("fal", "fal-ai/flux/dev", {"height": 1024}, {}, None, "give width and height together"),
    (
        "bfl",
        "flux-pro-1.1",
        {"width": 1024, "height": 768, "aspect_ratio": "4:3"},
        {},
        None,
        "give aspect_ratio or width and height, not both",
    ),
    # aspect ratios
    (
        "bfl",
        "flux-pro-1.1-ultra",
        {"aspect_ratio": "1:5"},
        {},
        None,
        "aspect_ratio 1:5 is outside 21:9…9:21 for flux-pro-1.1-ultra",
    ),
    (
        "bfl",
        "flux-pro-1.1-ultra",
        {"aspect_ratio": "22:9"},
        {},
        None,
        "aspect_ratio 22:9 is outside 21:9…9:21 for flux-pro-1.1-ultra",
    ),
    (
        "fal",
        "fal-ai/flux-pro/v1.1-ultra",
        {"aspect_ratio": "10:7"},
        {},
        None,
        "aspect_ratio 10:7 is not one of 21:9, 16:9, 4:3, 3:2, 1:1, 2:3, 3:4, 9:16, 9:21 for "
        "fal-ai/flux-pro/v1.1-ultra (the nearest is 3:2)",
    ),
    (
        "bfl",
        "flux-pro-1.1-ultra",
        {"aspect_ratio": "16x9"},
        {},
        None,
        "aspect_ratio '16x9' is not a ratio like 16:9",
    ),
    (
        "bfl",
        "flux-dev",
        {"aspect_ratio": "0:1"},
        {},
        None,
        "aspect_ratio '0:1' is not a ratio like 16:9",
    ),
    (
        "bfl",
        "flux-dev",
        {"aspect_ratio": 1.5},
        {},
        None,
        "aspect_ratio 1.5 is not a ratio like 16:9",
    ),
    # image counts
    (
        "bfl",
        "flux-pro-1.1",
        {"num_images": 2},
        {},
        None,
        "num_images 2: flux-pro-1.1 makes one image per request",
    ),
    (
        "openai",
        "flux-2-pro",
        {"num_images": 2},
        {},
        None,
        "num_images 2: flux-2-pro makes one image per request",
    ),
    (
        "bfl",
        "flux-kontext-pro",
        {"num_images": 3},
        {},
        None,
        "num_images 3: flux-kontext-pro makes one image per request",
    ),
    (
        "fal",
        "fal-ai/flux/dev",
        {"num_images": 5},
        {},
        None,
        "num_images 5 is out of range 1–4 for fal-ai/flux/dev",
    ),
    ("fal", "fal-ai/flux/dev", {"num_images": 0}, {}, None, "num_images 0 is not positive"),
    ("fal", "fal-ai/flux/dev", {"num_images": "2"}, {}, None, "num_images '2' is not an integer"),
    # unknown (lenient) models: types only
    ("bfl", "flux-pro-1.0-canny", {"guidance": "abc"}, {}, None, "guidance 'abc' is not a number"),
    (
        "openai-compatible",
        "my-flux",
        {"width": -5, "height": 512},
        {},
        None,
        "width -5 is not positive",
    ),
    ("openai-compatible", "my-flux", {"seed": 1.5}, {}, None, "seed 1.5 is not an integer"),
    (
        "fal",
        "fal-ai/flux-pro/kontext/text-to-image",
        {"aspect_ratio": 3},
        {},
        None,
        "aspect_ratio 3 is not text",
    ),
]


@pytest.mark.parametrize(("table", "model", "params", "extra", "prompt", "message"), PROBLEMS)
def test_each_rule_has_its_message(
    table: str, model: str, params: dict, extra: dict, prompt: str | None, message: str
) -> None:
    request = req(model, params, extra, prompt if prompt is not None else "a red fox in snow")
    assert validate(table, request) == [message]


def test_the_catalog_leaves_wire_fields_to_the_adapter() -> None:
    assert validate("bfl", req("flux-dev", {}, {"steps": 60, "width": 1000})) == []


VALID = [
    ("bfl", "flux-pro-1.1", {"width": 1440, "height": 256, "seed": 0, "safety_tolerance": 6}, {}),
    ("bfl", "flux-pro-1.1", {"aspect_ratio": "16:9"}, {}),  # resolved to width/height
    ("bfl", "flux-dev", {"steps": 50, "guidance": 1.5, "output_format": "png", "seed": None}, {}),
    ("bfl", "flux-pro", {"steps": 1, "guidance": 5, "interval": 4, "num_images": 1}, {}),
    (
        "bfl",
        "flux-pro-1.1-ultra",
        {"aspect_ratio": "21:9", "raw": True, "image_prompt_strength": 0},
        {},
    ),
    ("bfl", "flux-pro-1.1-ultra", {"aspect_ratio": "9:21"}, {}),
    ("bfl", "flux-2-pro", {"width": 2048, "height": 2048}, {}),  # 4 MP exactly
    ("bfl", "flux-2-flex", {"steps": 50, "guidance": 10, "width": 64, "height": 64}, {}),
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
        {
            "steps": 0,
            "guidance": 20,
            "num_images": 4,
            "acceleration": "high",
            "enable_safety_checker": False,
            "width": 1000,
            "height": 700,
        },
        {},
    ),
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
    (
        "fal",
        "fal-ai/flux-pro/v1.1-ultra",
        {
            "aspect_ratio": "16:9",
            "raw": True,
            "num_images": 4,
            "safety_tolerance": 6,
            "image_prompt": "https://x",
        },
        {},
    ),
]


@pytest.mark.parametrize(("table", "model", "params", "extra"), VALID)
def test_valid_requests_have_no_problems(table: str, model: str, params: dict, extra: dict) -> None:
    assert validate(table, req(model, params, extra)) == []


def test_every_problem_is_reported_not_just_the_first() -> None:
    request = req(
        "flux-dev",
        {"steps": 60, "guidance": "x", "raw": True, "width": 1000, "height": 2000},
        prompt="",
    )
    assert validate("bfl", request) == [
        "prompt is empty",
        "steps 60 is out of range 1–50 for flux-dev",
        "guidance 'x' is not a number",
        "raw is not a parameter of flux-dev",
        "width 1000 is not a multiple of 32 for flux-dev",
        "height 2000 is out of range 256–1440 for flux-dev (try 992x1440)",
    ]


# ---- split_supported -----------------------------------------------------------------------------


def test_split_drops_what_the_model_does_not_take() -> None:
    request = req(
        "flux-pro-1.1-ultra",
        {
            "width": 1024,
            "height": 768,
            "steps": 30,
            "seed": 7,
            "aspect_ratio": "16:9",
            "num_images": 1,
        },
        {"raw": True},
    )
    kept, dropped = split_supported("bfl", request)
    assert dropped == ["width", "height", "steps"]
    assert kept.params == {"seed": 7, "aspect_ratio": "16:9", "num_images": 1}
    assert kept.extra == {"raw": True}
    assert validate("bfl", kept) == []


def test_split_keeps_a_ratio_for_a_width_height_model() -> None:
    kept, dropped = split_supported(
        "fal", req("fal-ai/flux/schnell", {"aspect_ratio": "16:9", "guidance": 3})
    )
    assert (kept.params, dropped) == ({"aspect_ratio": "16:9"}, ["guidance"])


def test_split_of_a_lenient_model_drops_nothing() -> None:
    request = req("my-flux", {"anything": 1, "steps": 3})
    assert split_supported("openai-compatible", request) == (request, [])


# ---- sizes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "model", "params", "expected"),
    [
        ("bfl", "flux-pro-1.1", {"aspect_ratio": "1:1"}, {"width": 1024, "height": 1024}),
        ("bfl", "flux-pro-1.1", {"aspect_ratio": "16:9"}, {"width": 1376, "height": 768}),
        ("bfl", "flux-pro-1.1", {"aspect_ratio": "21:9"}, {"width": 1440, "height": 608}),
        ("bfl", "flux-dev", {"aspect_ratio": "1:5"}, {"width": 288, "height": 1440}),
        ("bfl", "flux-2-pro", {"aspect_ratio": "16:9"}, {"width": 1360, "height": 768}),
        ("openai", "flux-2-pro", {"aspect_ratio": "9:16"}, {"width": 768, "height": 1360}),
        ("bfl", "flux-pro-1.1", {"width": 512, "height": 512}, {"width": 512, "height": 512}),
        ("bfl", "flux-pro-1.1", {}, {}),
        ("bfl", "flux-pro-1.1-ultra", {"aspect_ratio": "21:9"}, {"aspect_ratio": "21:9"}),
        ("bfl", "flux-pro-1.1-ultra", {}, {}),
        ("bfl", "flux-kontext-pro", {"aspect_ratio": "3:7"}, {"aspect_ratio": "3:7"}),
        ("openai-compatible", "x", {"width": 800, "height": None}, {"width": 800}),
    ],
)
def test_resolve_size(table: str, model: str, params: dict, expected: dict) -> None:
    assert resolve_size(model_spec(table, model), params) == expected


@pytest.mark.parametrize(
    "ratio", [(1, 1), (16, 9), (9, 16), (21, 9), (9, 21), (1, 8), (8, 1), (4, 3)]
)
@pytest.mark.parametrize(
    "rule", [model_tables.BFL1_SIZE, model_tables.BFL2_SIZE, model_tables.APIYI_SIZE]
)
def test_dims_for_aspect_always_satisfy_the_rule(ratio: tuple[int, int], rule: SizeRule) -> None:
    spec = ModelSpec("m", "m", "bfl", size=rule)
    width, height = dims_for_aspect(ratio, rule)
    assert catalog.pair_problems(spec, width, height) == []


# ---- look-ups ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("protocol", "name", "base_url", "expected"),
    [
        ("comet", "comet", "https://api.cometapi.com", "bfl"),
        ("bfl", "bfl", "https://api.bfl.ai", "bfl"),
        ("openai", "apiyi", "http://127.0.0.1:8000/apiyi/v1", "openai"),
        ("openai", "mine", "https://api.apiyi.com/v1", "openai"),
        ("openai", "openai", "https://gateway.example/v1", "openai-compatible"),
        ("fal", "fal", "https://queue.fal.run", "fal"),
    ],
)
def test_model_table(protocol: str, name: str, base_url: str, expected: str) -> None:
    assert catalog.model_table(ProviderSettings(name, protocol, base_url)) == expected


def test_tables_hold_the_documented_models() -> None:
    assert [s.id for s in catalog.models_for("bfl")] == [
        "flux-pro-1.1",
        "flux-pro",
        "flux-dev",
        "flux-pro-1.1-ultra",
        "flux-2-pro",
        "flux-2-max",
        "flux-2-flex",
        "flux-2-klein-4b",
        "flux-2-klein-9b",
        "flux-kontext-pro",
        "flux-kontext-max",
        "flux-pro-1.0-fill",
    ]
    assert [s.id for s in catalog.models_for("openai")] == [
        "flux-2-max",
        "flux-2-pro",
        "flux-2-flex",
        "flux-2-klein-9b",
        "flux-2-klein-4b",
        "flux-pro-1.1-ultra",
        "flux-pro-1.1",
        "flux-pro",
        "flux-dev",
    ]
    assert [s.id for s in catalog.models_for("fal")] == [
        "fal-ai/flux/dev",
        "fal-ai/flux-1/dev",
        "fal-ai/flux/schnell",
        "fal-ai/flux-pro/v1.1",
        "fal-ai/flux-pro/v1.1-ultra",
        "fal-ai/flux-pro/kontext",
        "fal-ai/flux-pro/kontext/max",
        "fal-ai/flux-2-pro",
        "fal-ai/flux-2-pro/edit",
        "fal-ai/flux-2-max",
        "fal-ai/flux-2-max/edit",
        "fal-ai/flux-2-flex",
        "fal-ai/flux-2-flex/edit",
        "fal-ai/flux-2/klein/4b",
        "fal-ai/flux-2/klein/4b/edit",
        "fal-ai/flux-2/klein/9b",
        "fal-ai/flux-2/klein/9b/edit",
    ]
    assert catalog.models_for("openai-compatible") == []


def test_models_for_adds_configured_ids_as_lenient_specs() -> None:
    specs = catalog.models_for("openai-compatible", ["flux-x", "flux-y", "flux-x"])
    assert [(s.id, s.known, s.max_images) for s in specs] == [
        ("flux-x", False, None),
        ("flux-y", False, None),
    ]
    assert len(catalog.models_for("openai", ["flux-2-pro"])) == 9  # already known: not repeated


def test_model_spec_of_an_unknown_id_is_lenient() -> None:
    spec = model_spec("bfl", "flux-pro-1.0-canny")
    assert (spec.known, spec.max_images, spec.size, spec.aspect) == (False, 1, None, False)
    assert spec.accepts("anything")
    with pytest.raises(ValueError, match="unknown model table 'nope'"):
        model_spec("nope", "flux-dev")


def test_defaults_and_specs_read_as_documented() -> None:
    assert [catalog.default_model(t) for t in model_tables.MODEL_TABLES] == [
        "flux-pro-1.1",
        "flux-2-pro",
        "flux-2-pro",
        "fal-ai/flux/dev",
    ]
    dev = model_spec("bfl", "flux-dev")
    assert (dev.params["steps"].default, dev.params["guidance"].default, dev.default_size) == (
        28,
        3,
        (1024, 768),
    )
    ultra = model_spec("bfl", "flux-pro-1.1-ultra")
    assert ultra.aspect and ultra.size is None and ultra.accepts("aspect_ratio")
    assert not ultra.accepts("width")
    assert model_spec("fal", "fal-ai/flux/dev").max_images == 4
    assert model_spec("openai", "flux-2-flex").params["guidance"].default == 4.5


def test_a_size_becomes_the_ratio_for_an_aspect_only_model() -> None:
    request = GenerationRequest(
        "a fox", "bfl", "flux-pro-1.1-ultra", {"width": 1024, "height": 768, "steps": 20}
    )
    fitted, dropped = split_supported("bfl", request)
    assert fitted.params == {"aspect_ratio": "4:3"}
    assert dropped == ["steps"]


# ---- providers.md §6 corrections -------------------------------------------------------------


def test_correction_flux2_disable_pup_defaults() -> None:
    """One "prompt upsampling" setting, with each model's own default: flex upsamples unless told
    not to; pro/max too (their field is `disable_pup`, off by default); FLUX.1, Kontext and
    APIYI's page say off; klein has no such setting."""
    defaults = {
        (table, model): model_spec(table, model).prompt_upsampling_default
        for table, model in [
            ("bfl", "flux-2-flex"),
            ("bfl", "flux-2-pro"),
            ("bfl", "flux-2-max"),
            ("bfl", "flux-2-klein-4b"),
            ("bfl", "flux-2-klein-9b"),
            ("bfl", "flux-pro-1.1"),
            ("bfl", "flux-dev"),
            ("bfl", "flux-kontext-pro"),
            ("openai", "flux-2-flex"),
            ("openai", "flux-2-klein-4b"),
            ("fal", "fal-ai/flux-pro/v1.1"),
            ("bfl", "flux-pro-1.0-canny"),  # not in the table: unknown
        ]
    }
    assert defaults == {
        ("bfl", "flux-2-flex"): True,
        ("bfl", "flux-2-pro"): True,
        ("bfl", "flux-2-max"): True,
        ("bfl", "flux-2-klein-4b"): None,
        ("bfl", "flux-2-klein-9b"): None,
        ("bfl", "flux-pro-1.1"): False,
        ("bfl", "flux-dev"): False,
        ("bfl", "flux-kontext-pro"): False,
        ("openai", "flux-2-flex"): False,
        ("openai", "flux-2-klein-4b"): None,
        ("fal", "fal-ai/flux-pro/v1.1"): False,
        ("bfl", "flux-pro-1.0-canny"): None,
    }
    klein = req("flux-2-klein-9b", {"prompt_upsampling": False, "seed": 1})
    fitted, dropped = split_supported("bfl", klein)
    assert (fitted.params, dropped) == ({"seed": 1}, ["prompt_upsampling"])


@pytest.mark.parametrize(
    ("table", "model", "params", "problems"),
    [
        ("bfl", "flux-2-pro", {"output_format": "webp"}, []),
        ("bfl", "flux-2-klein-4b", {"output_format": "webp", "transparent_bg": True}, []),
        ("bfl", "flux-2-flex", {"output_format": "png", "transparent_bg": True}, []),
        ("bfl", "flux-2-max", {"transparent_bg": False}, []),
        (
            "bfl",
            "flux-2-pro",
            {"transparent_bg": True},
            [
                "transparent_bg needs output_format png or webp, not 'jpeg': JPEG has no transparency"
            ],
        ),
        (
            "bfl",
            "flux-2-pro",
            {"transparent_bg": True, "output_format": "jpeg"},
            [
                "transparent_bg needs output_format png or webp, not 'jpeg': JPEG has no transparency"
            ],
        ),
        (
            "bfl",
            "flux-2-pro",
            {"transparent_bg": "yes"},
            ["transparent_bg 'yes' is not true or false"],
        ),
        (
            "bfl",
            "flux-dev",
            {"output_format": "webp"},
            ["output_format 'webp' is not one of jpeg, png for flux-dev"],
        ),
        (
            "bfl",
            "flux-pro-1.1",
            {"transparent_bg": True},
            ["transparent_bg is not a parameter of flux-pro-1.1"],
        ),
        (
            "openai",
            "flux-2-pro",
            {"output_format": "webp"},
            ["output_format 'webp' is not one of jpeg, png for flux-2-pro"],  # APIYI: jpeg|png
        ),
    ],
)
def test_correction_flux2_webp(table: str, model: str, params: dict, problems: list[str]) -> None:
    """FLUX.2 writes webp, and a transparent background in png or webp; FLUX.1 keeps jpeg|png."""
    assert validate(table, req(model, params)) == problems


def test_correction_kontext_models() -> None:
    """flux-kontext-pro/max: aspect ratios in the widest documented range, 1:4 to 4:1 (which holds
    21:9…9:21 and 3:7…7:3), seed, prompt_upsampling, safety 0–6, png by default; no size."""
    for model in ("flux-kontext-pro", "flux-kontext-max"):
        spec = model_spec("bfl", model)
        assert spec.known and spec.aspect and spec.size is None and spec.max_images == 1
        assert set(spec.params) == {
            "seed",
            "safety_tolerance",
            "output_format",
            "prompt_upsampling",
            "webhook_url",
            "webhook_secret",
        }
        assert spec.params["output_format"].default == "png"
        assert (spec.params["safety_tolerance"].min, spec.params["safety_tolerance"].max) == (0, 6)
        assert spec.aspect_range_text == "4:1…1:4"
        for ratio in ("4:1", "1:4", "21:9", "9:21", "3:7", "7:3", "1:1"):
            assert validate("bfl", req(model, {"aspect_ratio": ratio})) == [], ratio
        assert validate("bfl", req(model, {"steps": 20, "aspect_ratio": "5:1"})) == [
            f"steps is not a parameter of {model}",
            f"aspect_ratio 5:1 is outside 4:1…1:4 for {model}",
        ]
    assert validate("bfl", req("flux-kontext-pro", {"safety_tolerance": 7})) == [
        "safety_tolerance 7 is out of range 0–6 for flux-kontext-pro"
    ]
    # a size becomes its ratio (as for ultra), and ultra keeps its own narrower range
    sized = req("flux-kontext-max", {"width": 1536, "height": 1024})
    assert split_supported("bfl", sized)[0].params == {"aspect_ratio": "3:2"}
    assert validate("bfl", req("flux-pro-1.1-ultra", {"aspect_ratio": "4:1"})) == [
        "aspect_ratio 4:1 is outside 21:9…9:21 for flux-pro-1.1-ultra"
    ]


def test_correction_apiyi_sizes() -> None:
    """APIYI's rule is multiples of 16 while its own example sends 1920x1080: refused, with the
    nearest size it takes."""
    assert validate("openai", req("flux-2-pro", {"width": 1920, "height": 1080})) == [
        "height 1080 is not a multiple of 16 for flux-2-pro (try 1920x1088)"
    ]
    assert validate("openai", req("flux-2-pro", {"width": 1920, "height": 1088})) == []
    assert validate("openai", req("flux-2-pro", {"width": 2050, "height": 1000})) == [
        "width 2050 is out of range 64–2048 for flux-2-pro",
        "height 1000 is not a multiple of 16 for flux-2-pro (try 2048x1008)",
    ]


@pytest.mark.parametrize(
    ("rule", "size", "nearest"),
    [
        (model_tables.APIYI_SIZE, (1920, 1080), (1920, 1088)),
        (model_tables.APIYI_SIZE, (1000, 1000), (1008, 1008)),  # 1000 is 62.5 sixteens: up
        (model_tables.APIYI_SIZE, (30, 5000), (64, 2048)),  # into the side limits
        (model_tables.BFL1_SIZE, (1000, 700), (992, 704)),
        (model_tables.BFL1_SIZE, (100, 2000), (256, 1440)),
        (model_tables.BFL2_SIZE, (2060, 2060), None),  # 2048x2048 fits 4 MP, 2064 does not
        (model_tables.BFL2_SIZE, (2040, 2040), (2048, 2048)),
        (model_tables.BFL2_SIZE, (10**7, 8), None),  # no plausible size
    ],
)
def test_nearest_size(rule: SizeRule, size: tuple[int, int], nearest: tuple | None) -> None:
    assert catalog.nearest_size(rule, *size) == nearest


def test_correction_inflight_caps_in_the_catalog() -> None:
    """BFL runs 24 tasks at once for most models, 6 for flux-kontext-max; other tables say
    nothing (their providers' `concurrency` is the only limit)."""
    caps = {s.id: s.max_in_flight for s in catalog.models_for("bfl")}
    assert caps.pop("flux-kontext-max") == 6
    assert set(caps.values()) == {24}
    assert {s.max_in_flight for s in catalog.models_for("openai")} == {None}
    assert {s.max_in_flight for s in catalog.models_for("fal")} == {None}
    assert model_spec("bfl", "flux-pro-1.0-canny").max_in_flight is None
