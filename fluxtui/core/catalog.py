"""Looking models up in their tables, validating requests against their rules, resolving sizes.

Which table a configured service uses is `model_table(settings)`; the tables are in
`model_tables`, the rules in `model_spec`. Any model id is accepted: an id missing from its table
gets a lenient spec (`known=False`) that only checks the types of canonical params and passes
everything through.

Only canonical params (models.py) are checked here. Verbatim wire fields (`request.extra`) are
checked by the adapter that knows their names, with `check_param` and `pair_problems`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from fluxtui.core import input_rules
from fluxtui.core.inputs import shown
from fluxtui.core.model_spec import (
    ALPHA_FORMATS,
    MP,
    SIZE_PARAMS,
    ModelSpec,
    ParamType,
    SizeRule,
    nearest_ratio,
    num,
    number_problem,
    type_problem,
)
from fluxtui.core.model_tables import DEFAULT_MODELS, MODEL_TABLES, TABLES
from fluxtui.core.models import GenerationRequest
from fluxtui.core.settings import ProviderSettings

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
    "transparent_bg": "bool",
    "webhook_url": "str",
    "webhook_secret": "str",
}


# ---- looking models up ---------------------------------------------------------------------------


def model_table(settings: ProviderSettings) -> str:
    """The model table of a configured service: comet and bfl share "bfl"; an "openai" service is
    APIYI (its table) when it is named apiyi or its host is APIYI's, else a lenient gateway."""
    if settings.protocol in ("comet", "bfl"):
        return "bfl"
    if settings.protocol == "openai":
        host = urlsplit(settings.base_url).hostname or ""
        is_apiyi = settings.name.lower() == "apiyi" or host.endswith("apiyi.com")
        return "openai" if is_apiyi else "openai-compatible"
    return settings.protocol


def model_spec(table: str, model_id: str) -> ModelSpec:
    """The spec of `model_id`; a lenient one when the table does not know it."""
    if table not in TABLES:
        raise ValueError(f"unknown model table {table!r}: use one of {', '.join(MODEL_TABLES)}")
    known = TABLES[table].get(model_id)
    if known:
        return known
    # BFL's protocol has no image count: every request makes one image.
    return ModelSpec(
        model_id, model_id, table, max_images=1 if table == "bfl" else None, known=False
    )


def models_for(table: str, extra_ids: Iterable[str] = ()) -> list[ModelSpec]:
    """The models of `table`, then lenient specs for the `extra_ids` it lacks (configured ids)."""
    specs = list(TABLES[table].values())
    seen = {s.id for s in specs}
    for model_id in extra_ids:
        if model_id not in seen:
            seen.add(model_id)
            specs.append(model_spec(table, model_id))
    return specs


def default_model(table: str) -> str | None:
    """The table's model for when neither the user nor the config names one."""
    return DEFAULT_MODELS.get(table)


# ---- validation ----------------------------------------------------------------------------------


def validate(table: str, request: GenerationRequest) -> list[str]:
    """Every problem with `request`'s prompt and canonical params for its model, one readable
    message each; [] when they are fine. `request.extra` is left to the adapter."""
    spec = model_spec(table, request.model)
    problems: list[str] = []
    if not request.prompt or not request.prompt.strip():
        problems.append("prompt is empty")
    if not request.model.strip():
        problems.append("model is empty")
    params = given(request.params)
    sides = _sides(params) if spec.aspect_ratios and spec.size is None else None
    if sides:  # a ratio-set model (fal's ultra): one message, with the ratio to give instead
        nearest = nearest_ratio(spec.aspect_ratios, sides)
        problems.append(
            f"{spec.id} takes an aspect ratio, not width×height {sides[0]}×{sides[1]}: "
            f"the nearest it takes is {nearest}"
        )
        params = {k: v for k, v in params.items() if k not in SIZE_PARAMS}
    for name, value in params.items():
        if not spec.accepts(name):
            problems.append(f"{name} is not a parameter of {spec.id}")
        elif name not in SIZE_PARAMS:
            problems.extend(check_param(spec, name, name, value))
    problems.extend(_size_problems(spec, params))
    problems.extend(_alpha_problems(spec, params))
    verbatim = {**given(request.extra), **params}
    problems.extend(input_rules.problems(spec, request.inputs, verbatim))
    return problems


def split_supported(table: str, request: GenerationRequest) -> tuple[GenerationRequest, list[str]]:
    """`request` without the params its model does not take, and their names (`extra` is kept).

    A size given to a model that only takes an aspect ratio (ultra) is kept as its ratio; where
    the model takes a fixed set of ratios, a size or a ratio outside it becomes the nearest one
    in the set, and the list names it too: "width×height 1000×700 (sent as aspect_ratio 3:2, the
    nearest it takes)".
    """
    spec = model_spec(table, request.model)
    params = dict(request.params)
    ratio_only = spec.known and spec.aspect and spec.size is None
    adjusted: list[str] = []
    sides = _sides(params)
    if ratio_only and "aspect_ratio" not in params and sides:
        divisor = math.gcd(*sides)
        ratio = f"{sides[0] // divisor}:{sides[1] // divisor}"
        if spec.aspect_ratios:
            ratio = nearest_ratio(spec.aspect_ratios, sides)
            adjusted.append(f"width×height {sides[0]}×{sides[1]} ({_sent_as(ratio)})")
        if _aspect_problem(spec, "aspect_ratio", ratio) is None:
            del params["width"], params["height"]
            params["aspect_ratio"] = ratio
    given_ratio = parse_aspect(params.get("aspect_ratio"))
    if ratio_only and spec.aspect_ratios and given_ratio and not spec.set_ratio(given_ratio):
        nearest = nearest_ratio(spec.aspect_ratios, given_ratio)
        adjusted.append(f"aspect_ratio {params['aspect_ratio']} ({_sent_as(nearest)})")
        params["aspect_ratio"] = nearest
    dropped = [name for name in params if not spec.accepts(name)]
    inputs, dropped_inputs = input_rules.supported(spec, request.inputs)
    if not dropped and not adjusted and not dropped_inputs and params == request.params:
        return request, []
    kept = {k: v for k, v in params.items() if k not in dropped}
    return request.replace(params=kept, inputs=inputs), [*dropped, *dropped_inputs, *adjusted]


def _sides(params: Mapping[str, Any]) -> tuple[int, int] | None:
    """The given width and height, when both are positive integers."""
    width, height = params.get("width"), params.get("height")
    if not isinstance(width, int) or not isinstance(height, int):
        return None
    if isinstance(width, bool) or isinstance(height, bool) or min(width, height) <= 0:
        return None
    return width, height


def _sent_as(ratio: str) -> str:
    return f"sent as aspect_ratio {ratio}, the nearest it takes"


def given(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values actually set: None means "not given"."""
    return {k: v for k, v in values.items() if v is not None}


def check_param(spec: ModelSpec, field: str, name: str, value: Any) -> list[str]:
    """Problems of one non-size canonical param `name`, given under the name `field` (its wire
    name, when an adapter checks a verbatim field)."""
    if name == "num_images":
        return _listed(_count_problem(spec, field, value))
    if name == "aspect_ratio" and spec.known:  # a lenient spec passes any text (e.g. "match_input")
        return _listed(_aspect_problem(spec, field, value))
    rule = spec.params.get(name)
    if rule:
        return _listed(rule.check(value, spec.id, field))
    if name in CANONICAL_TYPES:  # a lenient spec: types only
        return _listed(type_problem(field, value, CANONICAL_TYPES[name]))
    return []


def pair_problems(spec: ModelSpec, width: Any, height: Any, prefix: str = "") -> list[str]:
    """Problems of a width/height pair (either may be None), each message starting with `prefix`;
    a side off the model's step also names the nearest size it takes ("try 1920x1088")."""
    if (width is None) != (height is None):
        return [f"{prefix}give width and height together"]
    problems = [
        f"{prefix}{p}"
        for n, v in zip(SIZE_PARAMS, (width, height), strict=True)
        if (p := _side_problem(spec, n, v))
    ]
    rule = spec.size
    if not problems and rule and rule.max_pixels and width * height > rule.max_pixels:
        problems.append(
            f"{prefix}width×height {width}×{height} is over "
            f"{num(rule.max_pixels / MP)} MP for {spec.id}"
        )
    step = rule.multiple_of if rule and spec.known else None
    if problems and rule and step and any(_is_side(v) and v % step for v in (width, height)):
        suggested = nearest_size(rule, width, height)
        if suggested:
            problems[-1] += f" (try {suggested[0]}x{suggested[1]})"
    return problems


def _is_side(value: Any) -> bool:
    """A plausible side to suggest a size from: a positive int below a million."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**6


def nearest_size(rule: SizeRule, width: Any, height: Any) -> tuple[int, int] | None:
    """The size nearest width×height that `rule` takes (each side to the nearest multiple, within
    the side limits); None when a side is no plausible size or the result breaks the pixel
    limit."""
    if not (_is_side(width) and _is_side(height)):
        return None
    step = rule.multiple_of or 1
    lo = math.ceil((rule.min_side or step) / step) * step
    hi = rule.max_side // step * step if rule.max_side else None

    def fit(side: int) -> int:
        fitted = max(lo, (side + step // 2) // step * step)
        return min(fitted, hi) if hi else fitted

    w, h = fit(width), fit(height)
    if rule.max_pixels and w * h > rule.max_pixels:
        return None
    return w, h


def _alpha_problems(spec: ModelSpec, params: Mapping[str, Any]) -> list[str]:
    """transparent_bg needs a format with an alpha channel (png or webp)."""
    if params.get("transparent_bg") is not True or "transparent_bg" not in spec.params:
        return []
    rule = spec.params.get("output_format")
    fmt = params.get("output_format", rule.default if rule else None)
    if fmt in ALPHA_FORMATS:
        return []
    return [
        f"transparent_bg needs output_format {' or '.join(ALPHA_FORMATS)}, not {shown(fmt)}: "
        "JPEG has no transparency"
    ]


def _listed(problem: str | None) -> list[str]:
    return [problem] if problem else []


def _size_problems(spec: ModelSpec, params: Mapping[str, Any]) -> list[str]:
    width, height = params.get("width"), params.get("height")
    if (width is None and height is None) or not spec.accepts("width"):
        return []
    problems = pair_problems(spec, width, height)
    if spec.known and "aspect_ratio" in params:
        problems.append("give aspect_ratio or width and height, not both")
    return problems


def _side_problem(spec: ModelSpec, field: str, value: Any) -> str | None:
    problem = type_problem(field, value, "int")
    if problem:
        return problem
    if value <= 0:
        return f"{field} {num(value)} is not positive"
    rule = spec.size
    if rule is None or not spec.known:
        return None
    return number_problem(field, value, rule.min_side, rule.max_side, rule.multiple_of, spec.id)


def _count_problem(spec: ModelSpec, field: str, value: Any) -> str | None:
    problem = type_problem(field, value, "int")
    if problem:
        return problem
    if spec.max_images == 1 and value > 1:
        return f"{field} {num(value)}: {spec.id} makes one image per request"
    if value < 1:
        return f"{field} {num(value)} is not positive"
    if spec.max_images is not None and value > spec.max_images:
        return f"{field} {num(value)} is out of range 1–{spec.max_images} for {spec.id}"
    return None


def _aspect_problem(spec: ModelSpec, field: str, value: Any) -> str | None:
    ratio = parse_aspect(value)
    if ratio is None:
        return f"{field} {shown(value)} is not a ratio like 16:9"
    if spec.aspect and spec.aspect_ratios and not spec.set_ratio(ratio):
        return (
            f"{field} {value} is not one of {', '.join(spec.aspect_ratios)} for {spec.id} "
            f"(the nearest is {nearest_ratio(spec.aspect_ratios, ratio)})"
        )
    (wide_w, wide_h), (tall_w, tall_h) = spec.aspect_range
    w, h = ratio
    if spec.aspect and (w * wide_h > h * wide_w or w * tall_h < h * tall_w):
        return f"{field} {value} is outside {spec.aspect_range_text} for {spec.id}"
    return None


# ---- sizes ---------------------------------------------------------------------------------------

#: sides of at most 18 digits: int() reads them, and no image is that large
_RATIO = re.compile(r"\s*(\d{1,18})\s*:\s*(\d{1,18})\s*")
_WXH = re.compile(r"\s*(\d{1,18})\s*[xX×]\s*(\d{1,18})\s*")


def parse_aspect(value: Any) -> tuple[int, int] | None:
    """ "16:9" -> (16, 9); None unless both sides are positive integers."""
    match = _RATIO.fullmatch(value) if isinstance(value, str) else None
    if not match:
        return None
    w, h = int(match[1]), int(match[2])
    return (w, h) if w > 0 and h > 0 else None


def parse_wxh(value: Any) -> tuple[int, int] | None:
    """ "1920x1080" (or "1920 × 1080") -> (1920, 1080); None when it is not WIDTHxHEIGHT."""
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
        fitted = max(lo, round(side / step) * step)
        return min(fitted, hi) if hi else fitted

    return fit(w), fit(h)


def resolve_size(spec: ModelSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    """The size to send, by canonical name: width+height, aspect_ratio, or nothing.

    An aspect-ratio model (ultra) gets `aspect_ratio` as given; a width/height model gets the given
    sides, or sides of about 1 MP at the given ratio; a lenient spec gets whatever was given."""
    sizes = given({k: params.get(k) for k in (*SIZE_PARAMS, "aspect_ratio")})
    ratio_text = sizes.pop("aspect_ratio", None)
    if spec.aspect:
        return {"aspect_ratio": ratio_text} if ratio_text is not None else {}
    if sizes or ratio_text is None:
        return sizes
    ratio = parse_aspect(ratio_text)
    if spec.size is None or ratio is None:
        return {"aspect_ratio": ratio_text}
    width, height = dims_for_aspect(ratio, spec.size)
    return {"width": width, "height": height}
