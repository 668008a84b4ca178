"""The parameter rules the model tables share (seed, formats, safety, steps, guidance, ...), and
the helpers that build a table (`model_tables`)."""

from __future__ import annotations

from typing import Any

from fluxtui.core.model_spec import ModelSpec, ParamRule, ParamType


def param(
    name: str,
    type: ParamType,
    lo: float | None = None,
    hi: float | None = None,
    default: Any = None,
    help: str = "",
    choices: tuple[str, ...] = (),
) -> ParamRule:
    return ParamRule(name, type, lo, hi, None, choices, default, help)


SEED = param("seed", "int", 0, help="the same seed and inputs give the same image")
OUTPUT_FORMAT = param(
    "output_format", "choice", default="jpeg", help="image file format", choices=("jpeg", "png")
)
#: FLUX.2 also writes WebP, and a transparent background in PNG or WebP (providers.md §6)
FLUX2_FORMAT = param(
    "output_format",
    "choice",
    default="jpeg",
    help="image file format",
    choices=("jpeg", "png", "webp"),
)
TRANSPARENT_BG = param(
    "transparent_bg", "bool", default=False, help="a transparent background (png or webp only)"
)


def upsampling_rule(default: bool) -> ParamRule:
    """The one "prompt upsampling" setting, with the model's own default (see ModelSpec)."""
    return param(
        "prompt_upsampling", "bool", default=default, help="let the service expand the prompt"
    )


UPSAMPLING = upsampling_rule(False)
IMAGE_PROMPT = param("image_prompt", "str", help="URL of a reference image")
WEBHOOKS = (
    param("webhook_url", "str", help="URL told when the job ends"),
    param("webhook_secret", "str", help="secret sent with the webhook"),
)


def safety_rule(hi: int, lo: int = 0) -> ParamRule:
    help = f"moderation: {lo} strictest, {hi} most permissive"
    return param("safety_tolerance", "int", lo, hi, 2, help)


def steps_rule(lo: int, hi: int, default: int) -> ParamRule:
    return param("steps", "int", lo, hi, default, "denoising steps: more is slower, often finer")


def guidance_rule(lo: float, hi: float, default: float) -> ParamRule:
    return param("guidance", "float", lo, hi, default, "how closely the image follows the prompt")


def rules_of(*rules: ParamRule) -> dict[str, ParamRule]:
    return {r.name: r for r in rules}


def table_of(*specs: ModelSpec) -> dict[str, ModelSpec]:
    return {s.id: s for s in specs}
