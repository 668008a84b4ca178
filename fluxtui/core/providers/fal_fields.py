"""fal's wire fields: how canonical params are named and sized in a fal body, and the checks of
verbatim fields that have a fal form (`image_size`, the string enum `safety_tolerance`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
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


def build_body(spec: ModelSpec, request: GenerationRequest) -> dict[str, Any]:
    """prompt, image_size (a preset or {width, height}) or aspect_ratio, the params under fal's
    names (steps -> num_inference_steps, ...; safety_tolerance as its string enum), extra last."""
    params = catalog.given(request.params)
    body: dict[str, Any] = {"prompt": request.prompt}
    body.update(image_size(spec, params))
    for name, value in params.items():
        if name not in wire.SIZE_FIELDS:
            body[RENAMES.get(name, name)] = str(value) if name == "safety_tolerance" else value
    body.update(request.extra)
    return body


def image_size(spec: ModelSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    """fal's size fields: `image_size` as a preset for the common ratios, else {width, height};
    `aspect_ratio` for an aspect-ratio app (and passed through for an unknown app)."""
    ratio = catalog.parse_aspect(params.get("aspect_ratio"))
    sides_given = params.get("width") is not None or params.get("height") is not None
    if spec.size is not None and ratio and not sides_given:
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
    problem = image_size_problem(extra.get("image_size"))
    return [*problems, problem] if problem else problems


def image_size_problem(value: Any) -> str | None:
    if value is None or value in PRESET_NAMES:
        return None
    if isinstance(value, Mapping) and set(value) == set(SIZE_PARAMS):
        sides = [value["width"], value["height"]]
        if all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in sides):
            return None
    return (
        f"image_size {shown(value)} is neither one of {', '.join(PRESET_NAMES)} "
        'nor {"width": W, "height": H} with positive integers'
    )
