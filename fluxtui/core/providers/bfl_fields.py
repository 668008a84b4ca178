"""The body fields BFL (and CometAPI, which proxies it) names differently from model to model.

Prompt upsampling is one setting to the user (`prompt_upsampling`, with the model's own default
from the catalog) and three to BFL (providers.md §6):
- flux-2-pro and flux-2-max take `disable_pup`, the inverse, and no `prompt_upsampling`;
- flux-2-flex takes `prompt_upsampling` and upsamples unless told not to;
- klein has none (the catalog drops the setting); FLUX.1 and Kontext take `prompt_upsampling`.
For the FLUX.2 models the value is always sent, the model's default when the user gave none, so
that what the form showed is what BFL does even where its default is not documented.

Kontext takes `safety_tolerance` 0–6, but only 0–2 with an input image (from `--image`, or
`input_image` given verbatim through `--param`).

Input images go in the fields the catalog's rule names (`input_image`, `input_image_2` …;
`image_prompt`; Fill's `image` and `mask`); a model the catalog does not know gets them in
`input_image`, `input_image_2` … and its mask in `mask`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fluxtui.core.input_images import InputImage, images, mask
from fluxtui.core.model_inputs import numbered
from fluxtui.core.model_spec import ModelSpec

#: FLUX.2 models whose upsampling is always sent, and the field each takes
UPSAMPLING_FIELDS = {
    "flux-2-pro": "disable_pup",
    "flux-2-max": "disable_pup",
    "flux-2-flex": "prompt_upsampling",
}
#: models whose safety range narrows when an input image is given, and to what top
SAFETY_WITH_IMAGE = {"flux-kontext-pro": 2, "flux-kontext-max": 2}
INPUT_IMAGE_FIELDS = ("input_image", *(f"input_image_{n}" for n in range(2, 5)))


def upsampling_fields(spec: ModelSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    """The upsampling field to send for `spec` ({} when the model takes none or it is not
    given); `params` are the canonical params, `prompt_upsampling` among them when set."""
    field = UPSAMPLING_FIELDS.get(spec.id) if spec.known else None
    given = params.get("prompt_upsampling")
    if field is None:
        return {} if given is None else {"prompt_upsampling": given}
    upsample = spec.prompt_upsampling_default if given is None else given
    if upsample is None:
        return {}
    return {field: not upsample} if field == "disable_pup" else {field: upsample}


def input_fields(spec: ModelSpec, inputs: tuple[InputImage, ...]) -> list[tuple[str, InputImage]]:
    """Each input with the body field it goes in."""
    pictures, the_mask = images(inputs), mask(inputs)
    rule = spec.inputs if spec.known else None
    fields = rule.fields if rule else numbered(len(pictures))
    placed = list(zip(fields, pictures, strict=False))
    if the_mask is not None:
        placed.append(((rule.mask_field if rule else None) or "mask", the_mask))
    return placed


def safety_problems(
    spec: ModelSpec,
    params: Mapping[str, Any],
    extra: Mapping[str, Any],
    inputs: tuple[InputImage, ...] = (),
) -> list[str]:
    """Kontext: a safety_tolerance above 2 with an input image (BFL would refuse it)."""
    top = SAFETY_WITH_IMAGE.get(spec.id)
    safety = extra.get("safety_tolerance", params.get("safety_tolerance"))
    given = next((f for f in INPUT_IMAGE_FIELDS if extra.get(f) is not None), None)
    image = given or ("an input image" if images(inputs) else None)
    if top is None or image is None or not isinstance(safety, int) or safety <= top:
        return []
    return [f"safety_tolerance {safety} is above {top}, the most {spec.id} takes with {image}"]
