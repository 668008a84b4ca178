"""The prompt form's fields for a model, and reading what was typed into canonical params. Pure.

The rules come from the catalog (`ModelSpec`); this module only decides how they look (labels,
hints, the order of the fields) and turns text into values. Whether a value is allowed is the
catalog's call, through `Engine.validate`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from fluxtui.core import inputs
from fluxtui.core.catalog import parse_aspect, parse_wxh
from fluxtui.core.model_spec import MP, ModelSpec, ParamRule, SizeRule

FieldKind = Literal["size", "aspect", "seed", "int", "float", "text", "bool", "choice"]

LABELS = {
    "size": "Size",
    "aspect_ratio": "Aspect",
    "seed": "Seed",
    "num_images": "Images",
    "steps": "Steps",
    "guidance": "Guidance",
    "safety_tolerance": "Safety",
    "interval": "Interval",
    "image_prompt_strength": "Strength",
    "output_format": "Format",
    "acceleration": "Accelerate",
    "image_prompt": "Image URL",
    "prompt_upsampling": "Prompt upsampling",
    "transparent_bg": "Transparent",
    "raw": "Raw",
    "enable_safety_checker": "Safety checker",
}
#: params a terminal form does not offer (they still pass through from other requests)
HIDDEN = frozenset({"webhook_url", "webhook_secret"})
#: params the form's Inputs field gives instead (a file, a URL or a job, checked)
IMAGE_FIELD = frozenset({"image_prompt"})
KIND_ORDER = {"int": 0, "float": 0, "choice": 1, "text": 2, "bool": 3}
SIZE_NAMES = frozenset({"width", "height", "width×height", "aspect_ratio", "size"})
SEED_LIMIT = 2**31  # every service takes a non-negative int32


@dataclass(frozen=True)
class FieldSpec:
    """One field of the form: a canonical param (or "size", which makes width and height)."""

    name: str
    label: str
    kind: FieldKind
    default: Any = None
    choices: tuple[str, ...] = ()
    hint: str = ""  # the rule in a few characters: "1–50", "×32, 256–1440"
    help: str = ""  # a sentence, shown as the tooltip

    @property
    def placeholder(self) -> str:
        if self.kind == "seed":
            return "random"
        return "default" if self.default is None else str(self.default)


def fields_for(spec: ModelSpec) -> list[FieldSpec]:
    """The fields that apply to `spec`, and only those, in the order the form shows them."""
    fields: list[FieldSpec] = []
    if spec.aspect:
        fields.append(
            FieldSpec(
                "aspect_ratio",
                "Aspect",
                "aspect",
                hint=spec.aspect_range_text,
                help="aspect ratio such as 16:9",
            )
        )
    elif spec.size is not None or not spec.known:
        default = f"{spec.default_size[0]}x{spec.default_size[1]}" if spec.default_size else None
        fields.append(
            FieldSpec(
                "size",
                "Size",
                "size",
                default,
                hint=size_hint(spec.size),
                help="WIDTHxHEIGHT such as 1024x768, or a ratio such as 16:9",
            )
        )
    if "seed" in spec.params or not spec.known:
        fields.append(
            FieldSpec(
                "seed",
                "Seed",
                "seed",
                hint="≥ 0",
                help="the same seed and inputs give the same image",
            )
        )
    if spec.max_images != 1:
        top = spec.max_images
        fields.append(
            FieldSpec(
                "num_images",
                "Images",
                "int",
                1,
                hint=f"1–{top}" if top else "",
                help="how many images one request makes",
            )
        )
    hidden = HIDDEN | (IMAGE_FIELD if spec.inputs is not None else frozenset())
    rules = [r for r in spec.params.values() if r.name not in hidden and r.name != "seed"]
    if not spec.known:
        rules = [ParamRule("steps", "int"), ParamRule("guidance", "float")]
    rules.sort(key=lambda r: KIND_ORDER.get(_kind(r), 9))
    fields.extend(_field(rule) for rule in rules)
    return fields


def _kind(rule: ParamRule) -> FieldKind:
    return "text" if rule.type == "str" else rule.type


def _field(rule: ParamRule) -> FieldSpec:
    hint = ""
    if rule.min is not None and rule.max is not None:
        hint = f"{rule.min:g}–{rule.max:g}"
    return FieldSpec(
        rule.name,
        LABELS.get(rule.name, rule.name.replace("_", " ").capitalize()),
        _kind(rule),
        rule.default,
        rule.choices,
        hint,
        rule.help,
    )


def size_hint(rule: SizeRule | None) -> str:
    """ "×32, 256–1440", "×16, ≥64, ≤4 MP"; "" when the provider documents no limit."""
    if rule is None:
        return ""
    parts = [f"×{rule.multiple_of}"] if rule.multiple_of else []
    if rule.min_side and rule.max_side:
        parts.append(f"{rule.min_side}–{rule.max_side}")
    elif rule.min_side:
        parts.append(f"≥{rule.min_side}")
    elif rule.max_side:
        parts.append(f"≤{rule.max_side}")
    if rule.max_pixels:
        parts.append(f"≤{rule.max_pixels / MP:g} MP")
    return ", ".join(parts)


def parse_values(
    fields: Iterable[FieldSpec], raw: Mapping[str, Any], *, random_seed: bool
) -> tuple[dict[str, Any], dict[str, str]]:
    """Canonical params from the form's raw values, and a problem per field that does not parse.

    Empty text means "the model's default" and is not sent; so are a switch or a choice left at
    their default. With `random_seed` the seed is left out (the app picks one when it submits).
    """
    params: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for field in fields:
        value = raw.get(field.name)
        if field.kind in ("bool", "choice"):
            if value is not None and value != field.default:
                params[field.name] = value
            continue
        text = str(value or "").strip()
        if not text or (field.kind == "seed" and random_seed):
            continue
        try:
            params.update(_parse_text(field, text))
        except ValueError as exc:
            problems[field.name] = str(exc)
    return params, problems


def _parse_text(field: FieldSpec, text: str) -> dict[str, Any]:
    if field.kind == "size":
        dims = parse_wxh(text)
        if dims:
            return {"width": dims[0], "height": dims[1]}
        if parse_aspect(text):
            return {"aspect_ratio": text.replace(" ", "")}
        raise ValueError(
            f"size {inputs.shown(text)} is not WIDTHxHEIGHT (like 1024x768) or a ratio (like 16:9)"
        )
    if field.kind == "aspect":
        return {"aspect_ratio": text.replace(" ", "")}
    try:
        if field.kind == "seed":
            return {field.name: inputs.whole(text, low=0)}
        if field.kind == "int":
            return {field.name: inputs.whole(text, low=-inputs.LARGEST_INT - 1)}
        if field.kind == "float":
            return {field.name: inputs.number(text)}
    except inputs.BadValue as exc:
        raise ValueError(f"{field.name} {exc}") from None
    return {field.name: text}


def problem_field(message: str, names: Iterable[str]) -> str | None:
    """Which field a validation message is about ("steps 60 is out of range…" -> "steps")."""
    names = set(names)
    if message.startswith("no API key for "):
        return "provider"
    head = message.split(" ", 1)[0].rstrip(":")
    if head in SIZE_NAMES or message.startswith("give "):
        return next((n for n in ("size", "aspect_ratio") if n in names), None)
    if head == "n":
        head = "num_images"
    if head == "prompt":
        return "prompt"
    return head if head in names else None


def carried(
    old: Iterable[FieldSpec], new: Iterable[FieldSpec], raw: Mapping[str, Any]
) -> dict[str, Any]:
    """The raw values of the `old` fields that the `new` model's fields keep: a switch or a choice
    left at the old model's default takes the new model's default (prompt upsampling is off for
    flux-pro-1.1, on for flux-2-flex), and a choice the new model lacks (webp) is dropped."""
    old_by_name = {f.name: f for f in old}
    new_by_name = {f.name: f for f in new}
    kept = dict(raw)
    for name, value in raw.items():
        before, after = old_by_name.get(name), new_by_name.get(name)
        if after is None or after.kind not in ("bool", "choice"):
            continue
        if (before is not None and value == before.default) or (
            after.kind == "choice" and value not in after.choices
        ):
            del kept[name]
    return kept


def raw_values(fields: Iterable[FieldSpec], params: Mapping[str, Any]) -> dict[str, Any]:
    """The form's raw values showing `params` (to copy a job back into the form)."""
    raw: dict[str, Any] = {}
    for field in fields:
        if field.kind == "size":
            if params.get("width") is not None and params.get("height") is not None:
                raw["size"] = f"{params['width']}x{params['height']}"
            elif params.get("aspect_ratio"):
                raw["size"] = str(params["aspect_ratio"])
            continue
        value = params.get(field.name)
        if value is None:
            continue
        raw[field.name] = value if field.kind in ("bool", "choice") else _text(value)
    return raw


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def new_seed() -> int:
    return random.randrange(SEED_LIMIT)
