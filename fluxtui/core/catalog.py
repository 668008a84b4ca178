"""The FLUX models fluxtui knows, their parameter rules, client-side validation and size resolution.

Catalog kinds (one table each, values from shared/providers.md and the seed pages):
- "bfl": BFL's own API and CometAPI, which proxies it (same model ids, same body).
- "openai": APIYI's OpenAI-style Images API, with APIYI's own rules (sizes in multiples of 16, ...).
- "openai-compatible": any other OpenAI-compatible gateway; no table, every model is lenient.
- "fal": fal app ids.

Any model id is accepted: an id missing from its table gets a lenient spec (`known=False`) that only
checks the types of canonical params and passes everything through.

Sizes: 1 MP is 1024×1024 pixels, so "4 MP" admits 2048×2048 (as BFL and APIYI advertise it).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from fluxtui.core.inputs import shown
from fluxtui.core.models import GenerationRequest
from fluxtui.core.settings import ProviderSettings

ParamType = Literal["int", "float", "bool", "str", "choice"]

MP = 1024 * 1024
SIZE_PARAMS = ("width", "height")
#: the widest and the tallest ratio an aspect-ratio model takes
ASPECT_RANGE = ((21, 9), (9, 21))
ASPECT_RANGE_TEXT = "21:9…9:21"
#: fal's size presets by reduced aspect ratio
FAL_PRESETS: dict[tuple[int, int], str] = {
    (1, 1): "square_hd",
    (4, 3): "landscape_4_3",
    (16, 9): "landscape_16_9",
    (3, 4): "portrait_4_3",
    (9, 16): "portrait_16_9",
}
FAL_PRESET_NAMES = (
    "square_hd", "square", "portrait_4_3", "portrait_16_9", "landscape_4_3", "landscape_16_9"
)

#: the type of every canonical param (models.py), the only check a lenient spec makes
CANONICAL_TYPES: dict[str, ParamType] = {
    "width": "int",
    "height": "int",
    "aspect_ratio": "str",
    "seed": "int",
    "steps": "int",
    "guidance": "float",
    "safety_tolerance": "int",
    "output_format": "str",
    "num_images": "int",
    "prompt_upsampling": "bool",
    "image_prompt": "str",
    "image_prompt_strength": "float",
    "raw": "bool",
    "interval": "int",
    "acceleration": "str",
    "enable_safety_checker": "bool",
    "webhook_url": "str",
    "webhook_secret": "str",
}

#: canonical name -> wire field, where a protocol names a parameter differently
RENAMES: dict[str, dict[str, str]] = {
    "bfl": {},
    "openai": {"num_images": "n"},
    "fal": {
        "steps": "num_inference_steps",
        "guidance": "guidance_scale",
        "prompt_upsampling": "enhance_prompt",
        "image_prompt": "image_url",
    },
}


# ---- the data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParamRule:
    """What one canonical parameter of one model accepts."""

    name: str
    type: ParamType
    min: float | None = None
    max: float | None = None
    multiple_of: int | None = None
    choices: tuple[str, ...] = ()
    default: Any = None
    help: str = ""

    def check(self, value: Any, model_id: str, field: str | None = None) -> str | None:
        """The problem with `value`, or None; `field` is the name it came under (a wire name)."""
        field = field or self.name
        problem = _type_problem(field, value, self.type)
        if problem:
            return problem
        if self.type == "choice" and value not in self.choices:
            return f"{field} {shown(value)} is not one of {', '.join(self.choices)} for {model_id}"
        if self.type in ("int", "float"):
            return _number_problem(field, value, self.min, self.max, self.multiple_of, model_id)
        return None


@dataclass(frozen=True)
class SizeRule:
    """What width and height a model accepts; None means the provider documents no limit."""

    multiple_of: int | None = None
    min_side: int | None = None
    max_side: int | None = None
    max_pixels: int | None = None


@dataclass(frozen=True)
class ModelSpec:
    """One model of one catalog kind. `params` excludes width/height/aspect_ratio/num_images, which
    `size`, `aspect` and `max_images` describe."""

    id: str
    label: str
    kind: str
    params: dict[str, ParamRule] = dataclasses.field(default_factory=dict)
    size: SizeRule | None = None
    default_size: tuple[int, int] | None = None
    aspect: bool = False  # takes `aspect_ratio` (within ASPECT_RANGE) instead of width/height
    max_images: int | None = 1  # None: unknown
    known: bool = True

    def accepts(self, name: str) -> bool:
        """Whether this model takes the canonical param `name` (a lenient spec takes everything)."""
        if not self.known or name == "num_images":
            return True
        if name in SIZE_PARAMS:
            return self.size is not None
        if name == "aspect_ratio":
            return self.aspect or self.size is not None  # a ratio becomes width/height
        return name in self.params


# ---- the tables ----------------------------------------------------------------------------------


def _p(name: str, type: ParamType, lo: float | None = None, hi: float | None = None,
       default: Any = None, help: str = "", choices: tuple[str, ...] = ()) -> ParamRule:
    return ParamRule(name, type, lo, hi, None, choices, default, help)


SEED = _p("seed", "int", 0, help="the same seed and inputs give the same image")
OUTPUT_FORMAT = _p("output_format", "choice", default="jpeg", help="image file format",
                   choices=("jpeg", "png"))
UPSAMPLING = _p("prompt_upsampling", "bool", default=False,
                help="let the service expand the prompt")
IMAGE_PROMPT = _p("image_prompt", "str", help="URL of a reference image")
WEBHOOKS = (_p("webhook_url", "str", help="URL told when the job ends"),
            _p("webhook_secret", "str", help="secret sent with the webhook"))


def _safety(hi: int, lo: int = 0) -> ParamRule:
    help = f"moderation: {lo} strictest, {hi} most permissive"
    return _p("safety_tolerance", "int", lo, hi, 2, help)


def _steps(lo: int, hi: int, default: int) -> ParamRule:
    return _p("steps", "int", lo, hi, default, "denoising steps: more is slower, often finer")


def _guidance(lo: float, hi: float, default: float) -> ParamRule:
    return _p("guidance", "float", lo, hi, default, "how closely the image follows the prompt")


def _rules(*rules: ParamRule) -> dict[str, ParamRule]:
    return {r.name: r for r in rules}


def _table(*specs: ModelSpec) -> dict[str, ModelSpec]:
    return {s.id: s for s in specs}


# BFL (and CometAPI), FLUX.1: sides in multiples of 32 within 256–1440, one image per request.
BFL1_SIZE = SizeRule(multiple_of=32, min_side=256, max_side=1440)
BFL1_COMMON = (SEED, _safety(6), OUTPUT_FORMAT, UPSAMPLING, IMAGE_PROMPT, *WEBHOOKS)
# FLUX.2: sides >= 64 in multiples of 16, at most 4 MP (BFL documents no other side limit).
BFL2_SIZE = SizeRule(multiple_of=16, min_side=64, max_pixels=4 * MP)
# APIYI documents that klein ignores prompt_upsampling; the same BFL backend serves both kinds.
BFL2_KLEIN = (SEED, _safety(5), OUTPUT_FORMAT, *WEBHOOKS)
BFL2_COMMON = (*BFL2_KLEIN, UPSAMPLING)
FLEX_EXTRAS = (_steps(1, 50, 50), _guidance(1.5, 10, 4.5))


def _bfl(id: str, label: str, *rules: ParamRule, size: SizeRule | None,
         default_size: tuple[int, int] | None = None, aspect: bool = False) -> ModelSpec:
    return ModelSpec(id, label, "bfl", _rules(*rules), size, default_size, aspect)


BFL_MODELS = _table(
    _bfl("flux-pro-1.1", "FLUX1.1 [pro]", *BFL1_COMMON, size=BFL1_SIZE, default_size=(1024, 768)),
    _bfl("flux-pro", "FLUX.1 [pro]", *BFL1_COMMON, _steps(1, 50, 40), _guidance(1.5, 5, 2.5),
         _p("interval", "int", 1, 4, 2, "diversity: higher varies more, follows the prompt less"),
         size=BFL1_SIZE, default_size=(1024, 768)),
    _bfl("flux-dev", "FLUX.1 [dev]", *BFL1_COMMON, _steps(1, 50, 28), _guidance(1.5, 5, 3),
         size=BFL1_SIZE, default_size=(1024, 768)),
    _bfl("flux-pro-1.1-ultra", "FLUX1.1 [pro] ultra", *BFL1_COMMON,
         _p("raw", "bool", default=False, help="less processed, more natural-looking images"),
         _p("image_prompt_strength", "float", 0, 1, 0.1, "0: prompt only … 1: image prompt only"),
         size=None, aspect=True),
    _bfl("flux-2-pro", "FLUX.2 [pro]", *BFL2_COMMON, size=BFL2_SIZE),
    _bfl("flux-2-max", "FLUX.2 [max]", *BFL2_COMMON, size=BFL2_SIZE),
    _bfl("flux-2-flex", "FLUX.2 [flex]", *BFL2_COMMON, *FLEX_EXTRAS, size=BFL2_SIZE),
    _bfl("flux-2-klein-4b", "FLUX.2 [klein] 4B", *BFL2_KLEIN, size=BFL2_SIZE),
    _bfl("flux-2-klein-9b", "FLUX.2 [klein] 9B", *BFL2_KLEIN, size=BFL2_SIZE),
)
# flux-kontext-pro/max are left out: sources disagree on their aspect range (21:9…9:21, 1:4…4:1),
# so they are lenient: their aspect_ratio and input_image (via --param) pass through verbatim.

# APIYI: one set of rules for every model (its own page), `size` or width/height, n = 1 only.
APIYI_SIZE = SizeRule(multiple_of=16, min_side=64, max_side=2048, max_pixels=4 * MP)
APIYI_KLEIN = (SEED, _safety(6), OUTPUT_FORMAT)
APIYI_COMMON = (*APIYI_KLEIN, UPSAMPLING)


def _apiyi(id: str, label: str, *rules: ParamRule) -> ModelSpec:
    return ModelSpec(id, label, "openai", _rules(*rules), APIYI_SIZE, (1024, 1024))


OPENAI_MODELS = _table(
    _apiyi("flux-2-max", "FLUX.2 [max]", *APIYI_COMMON),
    _apiyi("flux-2-pro", "FLUX.2 [pro]", *APIYI_COMMON),
    _apiyi("flux-2-flex", "FLUX.2 [flex]", *APIYI_COMMON, *FLEX_EXTRAS),
    _apiyi("flux-2-klein-9b", "FLUX.2 [klein] 9B", *APIYI_KLEIN),
    _apiyi("flux-2-klein-4b", "FLUX.2 [klein] 4B", *APIYI_KLEIN),
    _apiyi("flux-pro-1.1-ultra", "FLUX1.1 [pro] ultra", *APIYI_COMMON),
    _apiyi("flux-pro-1.1", "FLUX1.1 [pro]", *APIYI_COMMON),
    _apiyi("flux-pro", "FLUX.1 [pro]", *APIYI_COMMON),
    _apiyi("flux-dev", "FLUX.1 [dev]", *APIYI_COMMON),
)

# fal: `image_size` is a preset or {width, height}; fal documents no limits for custom sizes (its
# server answers 422), so the size rule only asks for positive sides. Up to 4 images per request.
FAL_SIZE = SizeRule()
FAL_SAFETY_CHECKER = _p("enable_safety_checker", "bool", default=True,
                        help="fal's own NSFW checker (flags and blanks images)")
FAL_ACCELERATION = _p("acceleration", "choice", default="regular", help="faster, maybe coarser",
                      choices=("none", "regular", "high"))
FAL_DEV = (SEED, _steps(0, 50, 28), _guidance(1, 20, 3.5), FAL_SAFETY_CHECKER, OUTPUT_FORMAT,
           FAL_ACCELERATION)
# fal's pro apps: safety_tolerance is a string enum "1"…"6" on the wire; prompt_upsampling is sent
# as enhance_prompt and image_prompt as image_url (see RENAMES).
FAL_PRO = (SEED, _safety(6, lo=1), OUTPUT_FORMAT, UPSAMPLING, FAL_SAFETY_CHECKER)


def _fal(id: str, label: str, *rules: ParamRule, aspect: bool = False) -> ModelSpec:
    size, default = (None, None) if aspect else (FAL_SIZE, (1024, 768))  # landscape_4_3
    return ModelSpec(id, label, "fal", _rules(*rules), size, default, aspect, max_images=4)


FAL_MODELS = _table(
    _fal("fal-ai/flux/dev", "FLUX.1 [dev]", *FAL_DEV),
    _fal("fal-ai/flux-1/dev", "FLUX.1 [dev]", *FAL_DEV),
    # fal's schnell page: steps 1–12 (default 4), no guidance; acceleration as for dev (a guess).
    _fal("fal-ai/flux/schnell", "FLUX.1 [schnell]", SEED, _steps(1, 12, 4), FAL_SAFETY_CHECKER,
         OUTPUT_FORMAT, FAL_ACCELERATION),
    _fal("fal-ai/flux-pro/v1.1", "FLUX1.1 [pro]", *FAL_PRO),
    # fal's ultra page: aspect_ratio 21:9…9:21, raw, image_url, image_prompt_strength 0–1;
    # enable_safety_checker as for the other pro app (guess: only resellers list it for ultra).
    _fal("fal-ai/flux-pro/v1.1-ultra", "FLUX1.1 [pro] ultra", *FAL_PRO, IMAGE_PROMPT,
         _p("raw", "bool", default=False, help="less processed, more natural-looking images"),
         _p("image_prompt_strength", "float", 0, 1, 0.1, "0: prompt only … 1: image prompt only"),
         aspect=True),
)

TABLES: dict[str, dict[str, ModelSpec]] = {
    "bfl": BFL_MODELS,
    "openai": OPENAI_MODELS,
    "openai-compatible": {},
    "fal": FAL_MODELS,
}
KINDS = tuple(TABLES)
#: a gateway has no table, but FLUX gateways use BFL's ids: flux-2-pro is the likeliest to exist
DEFAULT_MODELS = {
    "bfl": "flux-pro-1.1",
    "openai": "flux-2-pro",
    "openai-compatible": "flux-2-pro",
    "fal": "fal-ai/flux/dev",
}


# ---- looking models up ---------------------------------------------------------------------------


def protocol(kind: str) -> str:
    """The wire protocol of a catalog kind: bfl, openai or fal."""
    return "openai" if kind == "openai-compatible" else kind


def catalog_kind(settings: ProviderSettings) -> str:
    """The catalog kind of a configured provider: comet and bfl share "bfl"; an "openai" provider is
    APIYI (its table) when it is named apiyi or its host is APIYI's, else a lenient gateway."""
    if settings.kind in ("comet", "bfl"):
        return "bfl"
    if settings.kind == "openai":
        host = urlsplit(settings.base_url).hostname or ""
        is_apiyi = settings.name.lower() == "apiyi" or host.endswith("apiyi.com")
        return "openai" if is_apiyi else "openai-compatible"
    return settings.kind


def model_spec(kind: str, model_id: str) -> ModelSpec:
    """The spec of `model_id`; a lenient one when the table does not know it."""
    if kind not in TABLES:
        raise ValueError(f"unknown catalog kind {kind!r}: use one of {', '.join(KINDS)}")
    known = TABLES[kind].get(model_id)
    if known:
        return known
    # BFL's protocol has no image count: every request makes one image.
    return ModelSpec(model_id, model_id, kind, max_images=1 if kind == "bfl" else None, known=False)


def models_for(kind: str, extra_ids: Iterable[str] = ()) -> list[ModelSpec]:
    """The table of `kind`, then lenient specs for the `extra_ids` it lacks (configured ids)."""
    specs = list(TABLES[kind].values())
    seen = {s.id for s in specs}
    for model_id in extra_ids:
        if model_id not in seen:
            seen.add(model_id)
            specs.append(model_spec(kind, model_id))
    return specs


def default_model(kind: str) -> str | None:
    """The model to use when neither the user nor the config names one."""
    return DEFAULT_MODELS.get(kind)


# ---- validation ----------------------------------------------------------------------------------


def validate(kind: str, request: GenerationRequest) -> list[str]:
    """Every problem with `request` for its model, one readable message each; [] when it is fine."""
    spec = model_spec(kind, request.model)
    problems: list[str] = []
    if not request.prompt or not request.prompt.strip():
        problems.append("prompt is empty")
    if not request.model.strip():
        problems.append("model is empty")
    params = _given(request.params)
    for name, value in params.items():
        if not spec.accepts(name):
            problems.append(f"{name} is not a parameter of {spec.id}")
        elif name not in SIZE_PARAMS:
            problems.extend(_param_problems(spec, name, name, value))
    problems.extend(_size_problems(spec, params))
    if spec.known:
        problems.extend(_extra_problems(spec, _given(request.extra)))
    return problems


def split_supported(kind: str, request: GenerationRequest) -> tuple[GenerationRequest, list[str]]:
    """`request` without the params its model does not take, and their names (`extra` is kept).

    A size given to a model that only takes an aspect ratio (ultra) is kept as its ratio.
    """
    spec = model_spec(kind, request.model)
    params = dict(request.params)
    width, height = params.get("width"), params.get("height")
    if spec.known and spec.aspect and spec.size is None and "aspect_ratio" not in params:
        if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
            divisor = math.gcd(width, height)
            ratio = f"{width // divisor}:{height // divisor}"
            if _aspect_problem(spec, "aspect_ratio", ratio) is None:
                del params["width"], params["height"]
                params["aspect_ratio"] = ratio
    dropped = [name for name in params if not spec.accepts(name)]
    if not dropped and params == request.params:
        return request, []
    kept = {k: v for k, v in params.items() if k not in dropped}
    return request.replace(params=kept), dropped


def _given(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values actually set: None means "not given"."""
    return {k: v for k, v in values.items() if v is not None}


def _param_problems(spec: ModelSpec, field: str, name: str, value: Any) -> list[str]:
    """Problems of one non-size canonical param `name`, given under the name `field`."""
    if name == "num_images":
        return _listed(_count_problem(spec, field, value))
    if name == "aspect_ratio" and spec.known:  # a lenient spec passes any text (e.g. "match_input")
        return _listed(_aspect_problem(spec, field, value))
    rule = spec.params.get(name)
    if rule:
        return _listed(rule.check(value, spec.id, field))
    if name in CANONICAL_TYPES:  # a lenient spec: types only
        return _listed(_type_problem(field, value, CANONICAL_TYPES[name]))
    return []


def _listed(problem: str | None) -> list[str]:
    return [problem] if problem else []


def _size_problems(spec: ModelSpec, params: Mapping[str, Any]) -> list[str]:
    width, height = params.get("width"), params.get("height")
    if width is None and height is None or not spec.accepts("width"):
        return []
    problems = _pair_problems(spec, width, height)
    if spec.known and "aspect_ratio" in params:
        problems.append("give aspect_ratio or width and height, not both")
    return problems


def _pair_problems(spec: ModelSpec, width: Any, height: Any, prefix: str = "") -> list[str]:
    """Problems of a width/height pair (either may be None), each message starting with `prefix`."""
    if (width is None) != (height is None):
        return [f"{prefix}give width and height together"]
    problems = [f"{prefix}{p}" for n, v in zip(SIZE_PARAMS, (width, height), strict=True)
                if (p := _side_problem(spec, n, v))]
    rule = spec.size
    if not problems and rule and rule.max_pixels and width * height > rule.max_pixels:
        problems.append(f"{prefix}width×height {width}×{height} is over "
                        f"{_num(rule.max_pixels / MP)} MP for {spec.id}")
    return problems


def _side_problem(spec: ModelSpec, field: str, value: Any) -> str | None:
    problem = _type_problem(field, value, "int")
    if problem:
        return problem
    if value <= 0:
        return f"{field} {_num(value)} is not positive"
    rule = spec.size
    if rule is None or not spec.known:
        return None
    return _number_problem(field, value, rule.min_side, rule.max_side, rule.multiple_of, spec.id)


def _count_problem(spec: ModelSpec, field: str, value: Any) -> str | None:
    problem = _type_problem(field, value, "int")
    if problem:
        return problem
    if spec.max_images == 1 and value > 1:
        return f"{field} {_num(value)}: {spec.id} makes one image per request"
    if value < 1:
        return f"{field} {_num(value)} is not positive"
    if spec.max_images is not None and value > spec.max_images:
        return f"{field} {_num(value)} is out of range 1–{spec.max_images} for {spec.id}"
    return None


def _aspect_problem(spec: ModelSpec, field: str, value: Any) -> str | None:
    ratio = parse_aspect(value)
    if ratio is None:
        return f"{field} {shown(value)} is not a ratio like 16:9"
    (wide_w, wide_h), (tall_w, tall_h) = ASPECT_RANGE
    w, h = ratio
    if spec.aspect and (w * wide_h > h * wide_w or w * tall_h < h * tall_w):
        return f"{field} {value} is outside {ASPECT_RANGE_TEXT} for {spec.id}"
    return None


def _extra_problems(spec: ModelSpec, extra: Mapping[str, Any]) -> list[str]:
    """Check the verbatim fields that name a wire field with a known rule; others pass unchecked."""
    wire = protocol(spec.kind)
    renamed = RENAMES[wire]
    canonical_of = {w: c for c, w in renamed.items()}
    problems: list[str] = []
    for field, value in extra.items():
        if field in renamed or field in SIZE_PARAMS:
            continue  # a canonical name this protocol does not send; sizes are checked in pairs
        if wire == "fal" and field == "safety_tolerance":
            continue  # fal's wire form is a string enum "1"…"6"
        name = canonical_of.get(field, field)
        if name == "num_images" or name == "aspect_ratio" or name in spec.params:
            problems.extend(_param_problems(spec, field, name, value))
    problems.extend(_wire_size_problems(spec, wire, extra))
    return problems


def _wire_size_problems(spec: ModelSpec, wire: str, extra: Mapping[str, Any]) -> list[str]:
    if wire == "fal":
        return _listed(_fal_image_size_problem(extra.get("image_size")))
    width, height, size = extra.get("width"), extra.get("height"), extra.get("size")
    problems: list[str] = []
    if width is not None or height is not None:
        problems.extend(_pair_problems(spec, width, height))
        if wire == "openai" and size is not None:
            problems.append("give size or width and height, not both")
    if wire == "openai" and size is not None:
        dims = parse_wxh(size)
        if dims is None:
            problems.append(f"size {shown(size)} is not WIDTHxHEIGHT like 1024x768")
        else:
            problems.extend(_pair_problems(spec, *dims, prefix=f"size {size}: "))
    return problems


def _fal_image_size_problem(value: Any) -> str | None:
    if value is None or value in FAL_PRESET_NAMES:
        return None
    if isinstance(value, Mapping) and set(value) == set(SIZE_PARAMS):
        sides = [value["width"], value["height"]]
        if all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in sides):
            return None
    return (f"image_size {shown(value)} is neither one of {', '.join(FAL_PRESET_NAMES)} "
            "nor {\"width\": W, \"height\": H} with positive integers")


def _type_problem(field: str, value: Any, type: ParamType) -> str | None:
    if type == "int" and (isinstance(value, bool) or not isinstance(value, int)):
        return f"{field} {shown(value)} is not an integer"
    if type == "float" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return f"{field} {shown(value)} is not a number"
    if type == "float" and isinstance(value, float) and not math.isfinite(value):
        return f"{field} {shown(value)} is not a finite number"
    if type == "bool" and not isinstance(value, bool):
        return f"{field} {shown(value)} is not true or false"
    if type in ("str", "choice") and not isinstance(value, str):
        return f"{field} {shown(value)} is not text"
    return None


def _number_problem(field: str, value: float, lo: float | None, hi: float | None,
                    multiple_of: int | None, model_id: str) -> str | None:
    shown = _num(value)
    if lo is not None and hi is not None and not lo <= value <= hi:
        return f"{field} {shown} is out of range {_num(lo)}–{_num(hi)} for {model_id}"
    if lo is not None and value < lo:
        return f"{field} {shown} is below the minimum {_num(lo)} for {model_id}"
    if hi is not None and value > hi:
        return f"{field} {shown} is above the maximum {_num(hi)} for {model_id}"
    if multiple_of and value % multiple_of:
        return f"{field} {shown} is not a multiple of {multiple_of} for {model_id}"
    return None


def _num(value: float) -> str:
    """1.5 -> "1.5", 5.0 -> "5"; an int as it is (shortened when it is very long)."""
    return shown(value) if isinstance(value, int) else f"{value:g}"


# ---- sizes ---------------------------------------------------------------------------------------

#: sides of at most 18 digits: int() reads them, and no image is that large
_RATIO = re.compile(r"\s*(\d{1,18})\s*:\s*(\d{1,18})\s*")
_WXH = re.compile(r"\s*(\d{1,18})\s*[xX×]\s*(\d{1,18})\s*")


def parse_aspect(value: Any) -> tuple[int, int] | None:
    """"16:9" -> (16, 9); None unless both sides are positive integers."""
    match = _RATIO.fullmatch(value) if isinstance(value, str) else None
    if not match:
        return None
    w, h = int(match[1]), int(match[2])
    return (w, h) if w > 0 and h > 0 else None


def parse_wxh(value: Any) -> tuple[int, int] | None:
    """"1920x1080" -> (1920, 1080)."""
    match = _WXH.fullmatch(value) if isinstance(value, str) else None
    return (int(match[1]), int(match[2])) if match else None


def dims_for_aspect(
    ratio: tuple[int, int], rule: SizeRule | None, pixels: int = MP
) -> tuple[int, int]:
    """Width and height of about `pixels` at `ratio`, in the rule's multiple (16 if it names none),
    scaled (ratio kept) and then clamped into its side limits."""
    step = rule.multiple_of if rule and rule.multiple_of else 16
    w, h = math.sqrt(pixels * ratio[0] / ratio[1]), math.sqrt(pixels * ratio[1] / ratio[0])
    lo = math.ceil(rule.min_side / step) * step if rule and rule.min_side else step
    hi = rule.max_side // step * step if rule and rule.max_side else None
    if hi and max(w, h) > hi:
        w, h = w * hi / max(w, h), h * hi / max(w, h)
    if min(w, h) < lo:
        w, h = w * lo / min(w, h), h * lo / min(w, h)

    def fit(side: float) -> int:
        side = max(lo, round(side / step) * step)
        return min(side, hi) if hi else side

    return fit(w), fit(h)


def resolve_size(spec: ModelSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    """The size fields to send, by canonical name: width+height, aspect_ratio, or nothing.

    An aspect-ratio model (ultra) gets `aspect_ratio` as given; a width/height model gets the given
    sides, or sides of about 1 MP at the given ratio; a lenient spec gets whatever was given."""
    given = _given({k: params.get(k) for k in (*SIZE_PARAMS, "aspect_ratio")})
    ratio_text = given.pop("aspect_ratio", None)
    if spec.aspect:
        return {"aspect_ratio": ratio_text} if ratio_text is not None else {}
    if given or ratio_text is None:
        return given
    ratio = parse_aspect(ratio_text)
    if spec.size is None or ratio is None:
        return {"aspect_ratio": ratio_text}
    width, height = dims_for_aspect(ratio, spec.size)
    return {"width": width, "height": height}


def fal_size(spec: ModelSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    """fal's size fields: `image_size` as a preset for the common ratios, else {width, height};
    `aspect_ratio` for an aspect-ratio app (and passed through for an unknown app)."""
    ratio = parse_aspect(params.get("aspect_ratio"))
    sides_given = params.get("width") is not None or params.get("height") is not None
    if spec.size is not None and ratio and not sides_given:
        gcd = math.gcd(*ratio)
        preset = FAL_PRESETS.get((ratio[0] // gcd, ratio[1] // gcd))
        if preset:
            return {"image_size": preset}
    size = resolve_size(spec, params)
    if "width" in size and "height" in size:
        return {"image_size": {"width": size.pop("width"), "height": size.pop("height")}}
    return size
