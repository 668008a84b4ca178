"""The FLUX models fluxtui knows, one table each (values from shared/providers.md and the seed
pages):

- "bfl": BFL's own API and CometAPI, which proxies it (same model ids, same body).
- "openai": APIYI's OpenAI-style Images API, with APIYI's own rules (sizes in multiples of 16, ...).
- "openai-compatible": any other OpenAI-compatible gateway; no table, every model is lenient.
- "fal": fal app ids.

Only what a model accepts lives here, under canonical names; how each protocol names a field on
the wire is its adapter's business (`core/providers/`).
"""

from __future__ import annotations

from fluxtui.core import model_inputs as inp
from fluxtui.core.model_params import (
    FLUX2_FORMAT,
    IMAGE_PROMPT,
    OUTPUT_FORMAT,
    SEED,
    TRANSPARENT_BG,
    UPSAMPLING,
    WEBHOOKS,
    guidance_rule,
    param,
    rules_of,
    safety_rule,
    steps_rule,
    table_of,
    upsampling_rule,
)
from fluxtui.core.model_spec import (
    ASPECT_RANGE,
    KONTEXT_ASPECT_RANGE,
    MP,
    AspectRange,
    InputRule,
    ModelSpec,
    ParamRule,
    SizeRule,
)

# BFL (and CometAPI), FLUX.1: sides in multiples of 32 within 256–1440, one image per request.
BFL1_SIZE = SizeRule(multiple_of=32, min_side=256, max_side=1440)
BFL1_COMMON = (SEED, safety_rule(6), OUTPUT_FORMAT, UPSAMPLING, IMAGE_PROMPT, *WEBHOOKS)
# FLUX.2: sides >= 64 in multiples of 16, at most 4 MP (BFL documents no other side limit).
BFL2_SIZE = SizeRule(multiple_of=16, min_side=64, max_pixels=4 * MP)
# APIYI documents that klein ignores prompt_upsampling; the same BFL backend serves both tables.
BFL2_KLEIN = (SEED, safety_rule(5), FLUX2_FORMAT, TRANSPARENT_BG, *WEBHOOKS)
# Prompt upsampling (providers.md §6): flex takes `prompt_upsampling` and upsamples by default;
# pro and max take the inverse, `disable_pup`, a flag named for turning upsampling off, so theirs
# is on unless disabled (no source gives its default outright; the BFL adapter always sends it).
BFL2_UPSAMPLED = (*BFL2_KLEIN, upsampling_rule(True))
FLEX_EXTRAS = (steps_rule(1, 50, 50), guidance_rule(1.5, 10, 4.5))
#: tasks BFL runs at once for one key: 24 for most models, 6 for flux-kontext-max (429 beyond)
BFL_IN_FLIGHT = 24
KONTEXT_MAX_IN_FLIGHT = 6


def _bfl(
    id: str,
    label: str,
    *rules: ParamRule,
    size: SizeRule | None,
    default_size: tuple[int, int] | None = None,
    aspect: bool = False,
    in_flight: int = BFL_IN_FLIGHT,
    aspect_range: AspectRange = ASPECT_RANGE,
    inputs: InputRule | None = inp.BFL_IMAGE_PROMPT,
) -> ModelSpec:
    return ModelSpec(
        id,
        label,
        "bfl",
        rules_of(*rules),
        size,
        default_size,
        aspect,
        max_in_flight=in_flight,
        aspect_range=aspect_range,
        inputs=inputs,
    )


# Kontext: sources disagree on the aspect range (3:7–7:3, 1:4–4:1, 21:9–9:21); the widest, 1:4–4:1,
# is checked here and the provider's 422 speaks beyond it. Safety 0–6, but 0–2 with an input image
# (the adapter checks that pair).
KONTEXT = (
    SEED,
    safety_rule(6),
    param(
        "output_format",
        "choice",
        default="png",
        help="image file format",
        choices=("jpeg", "png"),
    ),
    UPSAMPLING,
    *WEBHOOKS,
)


BFL_MODELS = table_of(
    _bfl("flux-pro-1.1", "FLUX1.1 [pro]", *BFL1_COMMON, size=BFL1_SIZE, default_size=(1024, 768)),
    _bfl(
        "flux-pro",
        "FLUX.1 [pro]",
        *BFL1_COMMON,
        steps_rule(1, 50, 40),
        guidance_rule(1.5, 5, 2.5),
        param("interval", "int", 1, 4, 2, "diversity: higher varies more, follows the prompt less"),
        size=BFL1_SIZE,
        default_size=(1024, 768),
    ),
    _bfl(
        "flux-dev",
        "FLUX.1 [dev]",
        *BFL1_COMMON,
        steps_rule(1, 50, 28),
        guidance_rule(1.5, 5, 3),
        size=BFL1_SIZE,
        default_size=(1024, 768),
    ),
    _bfl(
        "flux-pro-1.1-ultra",
        "FLUX1.1 [pro] ultra",
        *BFL1_COMMON,
        param("raw", "bool", default=False, help="less processed, more natural-looking images"),
        param("image_prompt_strength", "float", 0, 1, 0.1, "0: prompt only … 1: image prompt only"),
        size=None,
        aspect=True,
    ),
    _bfl("flux-2-pro", "FLUX.2 [pro]", *BFL2_UPSAMPLED, size=BFL2_SIZE, inputs=inp.BFL_FLUX2),
    _bfl("flux-2-max", "FLUX.2 [max]", *BFL2_UPSAMPLED, size=BFL2_SIZE, inputs=inp.BFL_FLUX2),
    _bfl(
        "flux-2-flex",
        "FLUX.2 [flex]",
        *BFL2_UPSAMPLED,
        *FLEX_EXTRAS,
        size=BFL2_SIZE,
        inputs=inp.BFL_FLUX2,
    ),
    _bfl("flux-2-klein-4b", "FLUX.2 [klein] 4B", *BFL2_KLEIN, size=BFL2_SIZE, inputs=inp.BFL_KLEIN),
    _bfl("flux-2-klein-9b", "FLUX.2 [klein] 9B", *BFL2_KLEIN, size=BFL2_SIZE, inputs=inp.BFL_KLEIN),
    _bfl(
        "flux-kontext-pro",
        "FLUX.1 Kontext [pro]",
        *KONTEXT,
        size=None,
        aspect=True,
        aspect_range=KONTEXT_ASPECT_RANGE,
        inputs=inp.BFL_KONTEXT,
    ),
    _bfl(
        "flux-kontext-max",
        "FLUX.1 Kontext [max]",
        *KONTEXT,
        size=None,
        aspect=True,
        in_flight=KONTEXT_MAX_IN_FLIGHT,
        aspect_range=KONTEXT_ASPECT_RANGE,
        inputs=inp.BFL_KONTEXT,
    ),
    # Fill (providers.md §6): `image` and `mask` (white repaints), the image's size; BFL's page
    # gives steps 15–50 (50) and guidance 1.5–100 (60).
    _bfl(
        "flux-pro-1.0-fill",
        "FLUX.1 Fill [pro]",
        SEED,
        safety_rule(6),
        OUTPUT_FORMAT,
        UPSAMPLING,
        steps_rule(15, 50, 50),
        guidance_rule(1.5, 100, 60),
        *WEBHOOKS,
        size=None,
        inputs=inp.BFL_FILL,
    ),
)

# APIYI: one set of rules for every model (its own page), `size` or width/height, n = 1 only.
APIYI_SIZE = SizeRule(multiple_of=16, min_side=64, max_side=2048, max_pixels=4 * MP)
APIYI_KLEIN = (SEED, safety_rule(6), OUTPUT_FORMAT)
APIYI_COMMON = (*APIYI_KLEIN, UPSAMPLING)


def _apiyi(id: str, label: str, *rules: ParamRule, edits: int = 0) -> ModelSpec:
    """An APIYI model; `edits` input images through its edits endpoint (0: none)."""
    inputs = inp.apiyi_edit(edits) if edits else None
    return ModelSpec(id, label, "openai", rules_of(*rules), APIYI_SIZE, (1024, 1024), inputs=inputs)


OPENAI_MODELS = table_of(
    _apiyi("flux-2-max", "FLUX.2 [max]", *APIYI_COMMON, edits=8),
    _apiyi("flux-2-pro", "FLUX.2 [pro]", *APIYI_COMMON, edits=8),
    _apiyi("flux-2-flex", "FLUX.2 [flex]", *APIYI_COMMON, *FLEX_EXTRAS, edits=8),
    _apiyi("flux-2-klein-9b", "FLUX.2 [klein] 9B", *APIYI_KLEIN, edits=4),
    _apiyi("flux-2-klein-4b", "FLUX.2 [klein] 4B", *APIYI_KLEIN, edits=4),
    _apiyi("flux-pro-1.1-ultra", "FLUX1.1 [pro] ultra", *APIYI_COMMON),
    _apiyi("flux-pro-1.1", "FLUX1.1 [pro]", *APIYI_COMMON),
    _apiyi("flux-pro", "FLUX.1 [pro]", *APIYI_COMMON),
    _apiyi("flux-dev", "FLUX.1 [dev]", *APIYI_COMMON),
)

# fal: `image_size` is a preset or {width, height}; fal documents no limits for custom sizes (its
# server answers 422), so the size rule only asks for positive sides. Up to 4 images per request.
FAL_SIZE = SizeRule()
FAL_SAFETY_CHECKER = param(
    "enable_safety_checker",
    "bool",
    default=True,
    help="fal's own NSFW checker (flags and blanks images)",
)
FAL_ACCELERATION = param(
    "acceleration",
    "choice",
    default="regular",
    help="faster, maybe coarser",
    choices=("none", "regular", "high"),
)
FAL_DEV = (
    SEED,
    steps_rule(0, 50, 28),
    guidance_rule(1, 20, 3.5),
    FAL_SAFETY_CHECKER,
    OUTPUT_FORMAT,
    FAL_ACCELERATION,
)
# fal's pro apps: safety_tolerance is a string enum "1"…"6" on the wire; prompt_upsampling is sent
# as enhance_prompt and image_prompt as image_url (see the fal adapter).
FAL_PRO = (SEED, safety_rule(6, lo=1), OUTPUT_FORMAT, UPSAMPLING, FAL_SAFETY_CHECKER)


#: fal's ultra takes one of these ratios (fal's docs; a size becomes the nearest of them)
FAL_ULTRA_RATIOS = ("21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21")
# fal's FLUX.2 apps (fal's pages): image_size (preset, "auto", or {width, height}: fluxtui sends
# the exact sides), safety_tolerance a string enum "1"…"5"; FLUX.2's own size rule (as BFL's) and
# formats (providers.md §6 gives FLUX.2 webp; fal's flux-2-pro page lists only jpeg|png: fal's
# 422 speaks if it refuses one). No app names a prompt-upsampling or a transparent_bg field, so
# neither param is taken.
FAL2_SIZE = BFL2_SIZE
FAL2_FORMAT = FLUX2_FORMAT
FAL2_COMMON = (SEED, safety_rule(5, lo=1), FAL2_FORMAT, FAL_SAFETY_CHECKER)
# klein (fal's klein 9b page): num_inference_steps 4–8 (default 4), up to 4 images.
FAL2_KLEIN = (SEED, steps_rule(4, 8, 4), FAL2_FORMAT, FAL_SAFETY_CHECKER)


def _fal(
    id: str,
    label: str,
    *rules: ParamRule,
    ratios: tuple[str, ...] = (),
    size: SizeRule = FAL_SIZE,
    default_size: tuple[int, int] | None = (1024, 768),  # landscape_4_3
    max_images: int = 4,
    inputs: InputRule | None = None,
) -> ModelSpec:
    """A fal app: `ratios` for one that takes only an aspect_ratio from a fixed set."""
    if ratios:
        return ModelSpec(
            id,
            label,
            "fal",
            rules_of(*rules),
            aspect=True,
            aspect_ratios=ratios,
            max_images=max_images,
            inputs=inputs,
        )
    return ModelSpec(
        id, label, "fal", rules_of(*rules), size, default_size, max_images=max_images, inputs=inputs
    )


def _fal2(
    id: str, label: str, *rules: ParamRule, max_images: int = 1, edits: int = 8
) -> tuple[ModelSpec, ...]:
    """A FLUX.2 app and its `/edit` form (up to `edits` inputs in `image_urls`; its size
    defaults to "auto", the input's)."""
    return (
        _fal(id, label, *rules, size=FAL2_SIZE, max_images=max_images),
        _fal(
            f"{id}/edit",
            f"{label} edit",
            *rules,
            size=FAL2_SIZE,
            default_size=None,
            max_images=max_images,
            inputs=inp.fal_edit(edits),
        ),
    )


# fal's Kontext apps: image_url (required), guidance_scale 1–20 (3.5), safety_tolerance "1"…"6",
# enhance_prompt, aspect_ratio of the same set as ultra's, up to 4 images.
FAL_KONTEXT = (SEED, guidance_rule(1, 20, 3.5), safety_rule(6, lo=1), OUTPUT_FORMAT, UPSAMPLING)


FAL_MODELS = table_of(
    _fal("fal-ai/flux/dev", "FLUX.1 [dev]", *FAL_DEV),
    _fal("fal-ai/flux-1/dev", "FLUX.1 [dev]", *FAL_DEV),
    # fal's schnell page: steps 1–12 (default 4), no guidance; acceleration as for dev (a guess).
    _fal(
        "fal-ai/flux/schnell",
        "FLUX.1 [schnell]",
        SEED,
        steps_rule(1, 12, 4),
        FAL_SAFETY_CHECKER,
        OUTPUT_FORMAT,
        FAL_ACCELERATION,
    ),
    _fal("fal-ai/flux-pro/v1.1", "FLUX1.1 [pro]", *FAL_PRO),
    # fal's ultra page: aspect_ratio one of FAL_ULTRA_RATIOS, raw, image_url,
    # image_prompt_strength 0–1;
    # enable_safety_checker as for the other pro app (guess: only resellers list it for ultra).
    _fal(
        "fal-ai/flux-pro/v1.1-ultra",
        "FLUX1.1 [pro] ultra",
        *FAL_PRO,
        IMAGE_PROMPT,
        param("raw", "bool", default=False, help="less processed, more natural-looking images"),
        param("image_prompt_strength", "float", 0, 1, 0.1, "0: prompt only … 1: image prompt only"),
        ratios=FAL_ULTRA_RATIOS,
        inputs=inp.FAL_IMAGE_PROMPT,
    ),
    _fal(
        "fal-ai/flux-pro/kontext",
        "FLUX.1 Kontext [pro]",
        *FAL_KONTEXT,
        ratios=FAL_ULTRA_RATIOS,
        inputs=inp.FAL_KONTEXT,
    ),
    _fal(
        "fal-ai/flux-pro/kontext/max",
        "FLUX.1 Kontext [max]",
        *FAL_KONTEXT,
        ratios=FAL_ULTRA_RATIOS,
        inputs=inp.FAL_KONTEXT,
    ),
    *_fal2("fal-ai/flux-2-pro", "FLUX.2 [pro]", *FAL2_COMMON),
    *_fal2("fal-ai/flux-2-max", "FLUX.2 [max]", *FAL2_COMMON),
    *_fal2("fal-ai/flux-2-flex", "FLUX.2 [flex]", *FAL2_COMMON, *FLEX_EXTRAS),
    *_fal2("fal-ai/flux-2/klein/4b", "FLUX.2 [klein] 4B", *FAL2_KLEIN, max_images=4, edits=4),
    *_fal2("fal-ai/flux-2/klein/9b", "FLUX.2 [klein] 9B", *FAL2_KLEIN, max_images=4, edits=4),
)

TABLES: dict[str, dict[str, ModelSpec]] = {
    "bfl": BFL_MODELS,
    "openai": OPENAI_MODELS,
    "openai-compatible": {},
    "fal": FAL_MODELS,
}
MODEL_TABLES = tuple(TABLES)
#: a gateway has no table, but FLUX gateways use BFL's ids: flux-2-pro is the likeliest to exist
DEFAULT_MODELS = {
    "bfl": "flux-pro-1.1",
    "openai": "flux-2-pro",
    "openai-compatible": "flux-2-pro",
    "fal": "fal-ai/flux/dev",
}
