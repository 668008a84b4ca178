"""Checking a request's input images against its model's `InputRule` (`model_inputs`).

Each message names the model, the field or the file, and the rule: "flux-2-klein-4b takes at most
4 input images; got 5", "flux-dev takes no input images". A verbatim input field (`--param
input_image=…`) counts as an input given that way, and cannot be mixed with `--image`.

Where a message says how to give an input, it says it in the CLI's words (`CLI`); another face
puts its own in with `reworded` (the form: "add one in the Inputs field").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import astuple, dataclass
from typing import Any

from fluxtui.core.input_images import InputImage, images, mask
from fluxtui.core.model_spec import MP, InputRule, ModelSpec, num

#: canonical params an input image stands for: one of them given with inputs is given twice
IMAGE_PARAMS = ("image_prompt",)


@dataclass(frozen=True)
class Wording:
    """How a face tells the user to give an input image, a mask, or to re-encode one."""

    give_image: str = "give it with --image"
    give_mask: str = "give it with --mask (white repaints)"
    downscale: str = "--downscale-inputs re-encodes it to fit"
    inputs: str = "--image"  # where input images are given, in "give … or as FIELD, not both"


CLI = Wording()


def reworded(problem: str, words: Wording) -> str:
    """`problem` (in the CLI's words) with `words` in place of them."""
    for cli, own in zip(astuple(CLI), astuple(words), strict=True):
        problem = problem.replace(cli, own)
    return problem


def problems(
    spec: ModelSpec, inputs: tuple[InputImage, ...], given: Mapping[str, Any]
) -> list[str]:
    """Every problem of `inputs` for `spec`; `given` holds the request's params and its verbatim
    fields (None values left out), for the fields an input may also come in."""
    pictures, the_mask = images(inputs), mask(inputs)
    rule = spec.inputs
    if not spec.known:
        return []
    if rule is None:
        found = [f"{spec.id} takes no input images"] if pictures else []
        if the_mask is not None:
            found.append(f"{spec.id} takes no mask")
        return found
    verbatim = [f for f in (*rule.wire_fields, *IMAGE_PARAMS) if given.get(f) is not None]
    if verbatim and inputs:
        return [f"give the input images with {CLI.inputs} or as {verbatim[0]}, not both"]
    found = _count_problems(spec, rule, pictures, the_mask, bool(verbatim))
    for image in inputs:
        found.extend(limit_problems(spec, rule, image))
    if the_mask is not None and pictures:
        found.extend(_mask_problems(spec, pictures[0], the_mask))
    return found


def _count_problems(
    spec: ModelSpec,
    rule: InputRule,
    pictures: tuple[InputImage, ...],
    the_mask: InputImage | None,
    verbatim: bool,
) -> list[str]:
    found: list[str] = []
    if len(pictures) > rule.max_images:
        if rule.max_images == 1:
            found.append(
                f"{spec.id} takes one input image (as {rule.fields[0]}); got {len(pictures)}"
            )
        else:
            found.append(
                f"{spec.id} takes at most {rule.max_images} input images; got {len(pictures)}"
            )
    if rule.required and not pictures and not verbatim:
        found.append(f"{spec.id} edits an image: {CLI.give_image}")
    if the_mask is not None and rule.mask_field is None:
        found.append(f"{spec.id} takes no mask")
    if rule.mask_field is not None and the_mask is None and pictures:
        found.append(f"{spec.id} needs a mask with its image: {CLI.give_mask}")
    return found


def supported(
    spec: ModelSpec, inputs: tuple[InputImage, ...]
) -> tuple[tuple[InputImage, ...], list[str]]:
    """`inputs` without what the model does not take (a comparison sends the rest), and what
    was dropped ("input images", "mask")."""
    if not spec.known or not inputs:
        return inputs, []
    dropped: list[str] = []
    kept = inputs
    if spec.inputs is None and images(kept):
        kept, dropped = tuple(i for i in kept if i.role != "image"), ["input images"]
    if (spec.inputs is None or spec.inputs.mask_field is None) and mask(kept) is not None:
        kept, dropped = tuple(i for i in kept if i.role != "mask"), [*dropped, "mask"]
    return kept, dropped


def limit_problems(spec: ModelSpec, rule: InputRule, image: InputImage) -> list[str]:
    """The input file over the provider's limits (bytes, pixels); a URL is not checked."""
    found: list[str] = []
    if rule.max_bytes is not None and image.size is not None and image.size > rule.max_bytes:
        found.append(
            f"input {image.name} is {_mb(image.size)}, over the {_mb(rule.max_bytes)} "
            f"{spec.id} takes ({CLI.downscale})"
        )
    pixels = (image.width or 0) * (image.height or 0)
    if rule.max_pixels is not None and pixels > rule.max_pixels:
        found.append(
            f"input {image.name} is {image.width}×{image.height}, over the "
            f"{num(rule.max_pixels / MP)} MP {spec.id} takes ({CLI.downscale})"
        )
    return found


def over_limit(rule: InputRule | None, image: InputImage) -> bool:
    """Whether a local input breaks the rule's file limits (and so `--downscale-inputs` would
    re-encode it)."""
    if rule is None or image.path is None:
        return False
    too_big = rule.max_bytes is not None and (image.size or 0) > rule.max_bytes
    pixels = (image.width or 0) * (image.height or 0)
    return too_big or (rule.max_pixels is not None and pixels > rule.max_pixels)


def _mask_problems(spec: ModelSpec, image: InputImage, the_mask: InputImage) -> list[str]:
    sides = (image.width, image.height)
    mask_sides = (the_mask.width, the_mask.height)
    if None in sides or None in mask_sides or sides == mask_sides:
        return []
    return [
        f"mask {the_mask.name} is {the_mask.width}×{the_mask.height}, but image {image.name} "
        f"is {image.width}×{image.height}: {spec.id} needs them the same size"
    ]


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
