"""fal's wire fields: how canonical params are named and sized in a fal body, and the checks of
verbatim fields that have a fal form (`image_size`, the string enum `safety_tolerance`, the
`image_urls` of an edit app).

Sizes: a FLUX.1 app gets a preset for the common ratios, else {width, height}; a FLUX.2 app always
gets the exact {width, height} asked for (a preset would be an approximation), and also takes
`image_size: "auto"` verbatim. Ultra's `aspect_ratio` is sent as fal's set spells it (6:4 as 3:2).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from fluxtui.core import catalog
from fluxtui.core.inputs import shown
from fluxtui.core.model_spec import SIZE_PARAMS, ModelSpec
from fluxtui.core.models import GenerationRequest
from fluxtui.core.providers import wire

#: canonical name -> fal's field
RENAMES = {
    "steps": "num_inference_steps",
    "guidance": "guidance_scale",
    "prompt_upsampling": "enhance_prompt",
    "image_prompt": "image_url",
}
#: fal's size presets by reduced aspect ratio
PRESETS: dict[tuple[int, int], str] = {
    (1, 1): "square_hd",
    (4, 3): "landscape_4_3",
    (16, 9): "landscape_16_9",
    (3, 4): "portrait_4_3",
    (9, 16): "portrait_16_9",
}
PRESET_NAMES = (
    "square_hd",
    "square",
    "portrait_4_3",
    "portrait_16_9",
    "landscape_4_3",
    "landscape_16_9",
)
#: the app ids of fal's FLUX.2 apps start so (fal-ai/flux-2-pro, fal-ai/flux-2/klein/4b, ...)
FLUX2_PREFIX = "fal-ai/flux-2"
EDIT_SUFFIX = "/edit"


def is_flux2(spec: ModelSpec) -> bool:
    return spec.id.startswith(FLUX2_PREFIX)


def build_body(
    spec: ModelSpec,
    request: GenerationRequest,
    image_urls: Sequence[str] = (),
    mask_url: str | None = None,
) -> dict[str, Any]:
    """prompt, image_size (a preset or {width, height}) or aspect_ratio, the params under fal's
    names (steps -> num_inference_steps, ...; safety_tolerance as its string enum), the input
    images' URLs (`input_fields`), extra last."""
    params = catalog.given(request.params)
    body: dict[str, Any] = {"prompt": request.prompt}
    body.update(image_size(spec, params))
    for name, value in params.items():
        if name not in wire.SIZE_FIELDS:
            body[RENAMES.get(name, name)] = str(value) if name == "safety_tolerance" else value
    body.update(input_fields(spec, image_urls, mask_url))
    body.update(request.extra)
    return body


def input_fields(
    spec: ModelSpec, image_urls: Sequence[str], mask_url: str | None
) -> dict[str, Any]:
    """The inputs in the app's fields: a list app (the FLUX.2 `/edit` apps) gets `image_urls`,
    one-image apps `image_url`; an app the catalog does not know gets `image_url` for one
    image, `image_urls` for more; a mask goes in `mask_url`."""
    fields: dict[str, Any] = {}
    rule = spec.inputs if spec.known else None
    if image_urls:
        listed = rule.listed if rule else len(image_urls) > 1
        name = rule.fields[0] if rule else ("image_urls" if listed else "image_url")
        fields[name] = list(image_urls) if listed else image_urls[0]
    if mask_url is not None:
        fields[(rule.mask_field if rule else None) or "mask_url"] = mask_url
    return fields


def image_size(spec: ModelSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    """fal's size fields: `image_size` as a preset for the common ratios, else {width, height};
    `aspect_ratio` for an aspect-ratio app (and passed through for an unknown app)."""
    ratio = catalog.parse_aspect(params.get("aspect_ratio"))
    sides_given = params.get("width") is not None or params.get("height") is not None
    if spec.aspect_ratios and ratio:
        return {"aspect_ratio": spec.set_ratio(ratio) or params["aspect_ratio"]}
    if spec.size is not None and ratio and not sides_given and not is_flux2(spec):
        gcd = math.gcd(*ratio)
        preset = PRESETS.get((ratio[0] // gcd, ratio[1] // gcd))
        if preset:
            return {"image_size": preset}
    size = catalog.resolve_size(spec, params)
    if "width" in size and "height" in size:
        return {"image_size": {"width": size.pop("width"), "height": size.pop("height")}}
    return size


def wire_problems(spec: ModelSpec, extra: Mapping[str, Any]) -> list[str]:
    """Problems of verbatim fal fields: renamed params by their rules, then `image_size`
    (fal's wire safety_tolerance is a string enum "1"…"6", which passes unchecked)."""
    problems = wire.renamed_field_problems(spec, extra, RENAMES, unchecked={"safety_tolerance"})
    size_problem = image_size_problem(extra.get("image_size"), flux2=is_flux2(spec))
    urls_problem = image_urls_problem(spec, extra.get("image_urls"))
    return [*problems, *(p for p in (size_problem, urls_problem) if p)]


def image_urls_problem(spec: ModelSpec, value: Any) -> str | None:
    """A verbatim `image_urls` of an edit app: a list of image URLs (or data: URIs). (That an
    edit app needs inputs at all, from `--image` or here, is the catalog's rule.)"""
    if not spec.id.endswith(EDIT_SUFFIX) or not is_flux2(spec) or value is None:
        return None
    if not isinstance(value, list) or not value:
        return f"image_urls {shown(value)} is not a list of image URLs"
    if not all(isinstance(url, str) and url.strip() for url in value):
        return f"image_urls {shown(value)} holds something that is not an image URL"
    return None


def image_size_problem(value: Any, *, flux2: bool = False) -> str | None:
    """A verbatim `image_size`: a preset, {width, height}, or (FLUX.2) "auto"."""
    if value is None or value in PRESET_NAMES or (flux2 and value == "auto"):
        return None
    if isinstance(value, Mapping) and set(value) == set(SIZE_PARAMS):
        sides = [value["width"], value["height"]]
        if all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in sides):
            return None
    names = ", ".join((*PRESET_NAMES, "auto") if flux2 else PRESET_NAMES)
    return (
        f"image_size {shown(value)} is neither one of {names} "
        'nor {"width": W, "height": H} with positive integers'
    )
