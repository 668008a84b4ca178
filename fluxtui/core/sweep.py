"""Sweeps: one prompt on a grid of one or two axes (seeds, guidance, steps, models, targets or any
request field), every other field fixed and shared.

A sweep is a comparison with axes (`comparison.Axis`): it is planned here, then started, stored,
run, reopened, re-run and exported by `compare`'s code (`compare.start` with `axes`).

1. `read_axis(config, "guidance", "2,3.5,5")` or `seeds_axis("1,2,3" | "4")` -> an Axis;
   SweepError names a bad one.
2. `plan(config, prompt, params, base, axes, ...)` -> a `SweepPlan`: the fixed params (one seed,
   drawn once, unless seeds is an axis; DEFAULT_SIZE unless a size is given or varied) and one
   `TargetPlan` per cell, row by row, each checked against its model: a varied field the model
   does not take is a problem of that cell, named by its axis values (`compare.problems_of`).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

from fluxtui.core import catalog, inputs, providers
from fluxtui.core.compare import DEFAULT_SIZE, MAX_SEED, TargetPlan, parse_target
from fluxtui.core.comparison import Axis, Target
from fluxtui.core.config import Config
from fluxtui.core.errors import FluxtuiError
from fluxtui.core.input_images import InputImage
from fluxtui.core.models import GenerationRequest
from fluxtui.core.redaction import redact

MAX_AXES = 2
MAX_VALUES = 16  # on one axis
MAX_CELLS = 64  # on the whole grid
MAX_VALUE_CHARS = 200  # one value of a params.NAME axis
PARAMS_PREFIX = "params."

#: what `--vary NAME=…` may name (a hyphen reads as an underscore), and the field it varies
FIELDS = {
    "seed": "seed",
    "seeds": "seed",
    "guidance": "guidance",
    "steps": "steps",
    "safety": "safety_tolerance",
    "safety_tolerance": "safety_tolerance",
    "format": "output_format",
    "output_format": "output_format",
    "aspect": "aspect_ratio",
    "aspect_ratio": "aspect_ratio",
    "size": "size",
    "image_strength": "image_prompt_strength",
    "image_prompt_strength": "image_prompt_strength",
    "prompt_upsampling": "prompt_upsampling",
    "upsampling": "prompt_upsampling",
    "transparent": "transparent_bg",
    "transparent_bg": "transparent_bg",
    "model": "model",
    "target": "target",
}
#: the fixed fields an axis replaces (given both: refused)
_REPLACES = {
    "size": ("width", "height", "aspect_ratio"),
    "aspect_ratio": ("width", "height", "aspect_ratio"),
}
#: the `generate` flag that fixes a field (how a clash with an axis names it)
_FLAGS = {
    "width": "--size",
    "height": "--size",
    "aspect_ratio": "--aspect",
    "safety_tolerance": "--safety",
    "output_format": "--format",
    "transparent_bg": "--transparent",
    "prompt_upsampling": "--prompt-upsampling",
    "image_prompt_strength": "--image-strength",
    "seed": "--seed",
    "steps": "--steps",
    "guidance": "--guidance",
}
_FORMATS = ("png", "jpeg", "webp")
_BOOLS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False}
_BOOLS |= {"off": False, "0": False}
_PARAM_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class SweepError(FluxtuiError, ValueError):
    """An axis, or a sweep's axes together, that cannot be used; the message says why."""


@dataclass(frozen=True)
class SweepPlan:
    """What a sweep will send: the fixed params and extra every cell shares, its axes, and one
    plan per cell, row by row (X varies fastest)."""

    prompt: str
    params: dict[str, Any]
    extra: dict[str, Any]
    axes: tuple[Axis, ...]
    plans: tuple[TargetPlan, ...]


# ---- reading axes --------------------------------------------------------------------------------


def field_of(name: str) -> str:
    """The field `--vary NAME` varies ("safety" -> "safety_tolerance"; "params.x" as it is)."""
    name = name.strip()
    if name.startswith(PARAMS_PREFIX):
        field = name[len(PARAMS_PREFIX) :]
        if not _PARAM_NAME.fullmatch(field):
            raise SweepError(
                f"--vary {inputs.shown(name)}: a provider field is letters, digits, _ . - "
                "(at most 64)"
            )
        if redact({field: ""})[field] != "":  # its values would be on the sheet and the labels
            raise SweepError(f"--vary {name}: a secret field cannot be an axis (give it --param)")
        return PARAMS_PREFIX + field
    key = name.replace("-", "_").lower()
    if key not in FIELDS:
        raise SweepError(
            f"--vary {inputs.shown(name)}: not a field a sweep can vary (use one of "
            f"{', '.join(sorted(set(FIELDS.values())))}, or params.NAME for a provider field)"
        )
    return FIELDS[key]


def split_axis(text: str) -> tuple[str, str]:
    """ "guidance=2,3.5,5" -> ("guidance", "2,3.5,5"); SweepError when there is no "="."""
    name, sep, values = text.partition("=")
    if not sep or not name.strip() or not values.strip():
        raise SweepError(f"--vary {inputs.shown(text)} is not NAME=V1,V2,… (e.g. guidance=2,3.5,5)")
    return name.strip(), values


def read_axis(config: Config, name: str, values: str) -> Axis:
    """The axis `--vary name=values` asks for, each value read for its field."""
    field = field_of(name)
    return read_axis_text(field, values, f"--vary {field}", config)


def read_axis_text(field: str, values: str, flag: str, config: Config | None = None) -> Axis:
    """`field`'s axis from "V1,V2,…" (`flag` names it in messages; a target needs `config`)."""
    texts = [v.strip() for v in values.split(",")]
    if any(not t for t in texts):
        raise SweepError(f"{flag}: an empty value in {inputs.shown(values)}")
    if len(texts) > MAX_VALUES:
        raise SweepError(f"{flag}: {len(texts)} values, more than {MAX_VALUES}")
    read = []
    for text in texts:
        try:
            read.append(_value(config, field, text))
        except inputs.BadValue as exc:
            raise SweepError(f"{flag}: {exc}") from None
    if len(set(map(json.dumps, read))) != len(read):
        raise SweepError(f"{flag}: a value is given twice")
    return Axis(field, tuple(read))


def seeds_axis(text: str, *, rng: random.Random | None = None) -> Axis:
    """`--seeds 1,2,3` (these seeds) or `--seeds 4` (four random ones)."""
    if "," in text:
        return read_axis_text("seed", text, "--seeds")
    try:
        count = inputs.whole(text.strip(), low=1, high=MAX_VALUES)
    except inputs.BadValue as exc:
        raise SweepError(f"--seeds: {exc} (give a count of random seeds, or S1,S2,…)") from None
    draw = rng or random.SystemRandom()
    seeds: set[int] = set()
    while len(seeds) < count:
        seeds.add(draw.randint(0, MAX_SEED))
    return Axis("seed", tuple(sorted(seeds)))


def dialog_axis(config: Config, field: str, values: str) -> Axis:
    """An axis as the app's dialog gives it: a field and its values as typed (a seed count
    alone: that many random seeds)."""
    if field == "seed" and "," not in values:
        return seeds_axis(values)
    return read_axis_text(field_of(field), values, field, config)


def without_axes(params: Mapping[str, Any], axes: Sequence[Axis]) -> dict[str, Any]:
    """`params` without the fields the axes vary (the app's form gives every field a value:
    an axis replaces the form's)."""
    replaced = {f for axis in axes for f in _REPLACES.get(axis.name, (axis.name,))}
    return {k: v for k, v in params.items() if k not in replaced}


def _value(config: Config | None, field: str, text: str) -> Any:
    if field in ("seed", "steps", "safety_tolerance"):
        high = MAX_SEED if field == "seed" else inputs.LARGEST_INT
        return inputs.whole(text, low=1 if field == "steps" else 0, high=high)
    if field in ("guidance", "image_prompt_strength"):
        number = inputs.number(text)
        return int(number) if number.is_integer() and "." not in text else number
    if field in ("prompt_upsampling", "transparent_bg"):
        if text.lower() not in _BOOLS:
            raise inputs.BadValue(f"{inputs.shown(text)} is not true or false")
        return _BOOLS[text.lower()]
    if field == "output_format":
        if text.lower() not in _FORMATS:
            raise inputs.BadValue(f"{inputs.shown(text)} is not one of {', '.join(_FORMATS)}")
        return text.lower()
    if field == "aspect_ratio":
        if catalog.parse_aspect(text) is None:
            raise inputs.BadValue(f"{inputs.shown(text)} is not W:H, e.g. 16:9")
        return text
    if field == "size":
        dims = catalog.parse_wxh(text)
        if dims is None or min(dims) < 1:
            raise inputs.BadValue(f"{inputs.shown(text)} is not WIDTHxHEIGHT, e.g. 1024x768")
        return f"{dims[0]}x{dims[1]}"
    if field == "model":
        if any(c.isspace() for c in text):
            raise inputs.BadValue(f"{inputs.shown(text)} is not a model id")
        return text
    if field == "target":
        if config is None:
            raise inputs.BadValue("a target needs the config")
        try:
            return str(parse_target(text, config))
        except ValueError as exc:
            raise inputs.BadValue(str(exc)) from None
    if len(text) > MAX_VALUE_CHARS:
        raise inputs.BadValue(f"a value is over {MAX_VALUE_CHARS} characters")
    try:  # a provider field: JSON when it parses (3 -> int, true -> bool), else text
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return text


def check_axes(
    axes: Sequence[Axis],
    params: Mapping[str, Any],
    *,
    provider_given: bool = False,
    model_given: bool = False,
) -> None:
    """SweepError unless the axes make a grid: one or two, different fields, none also fixed
    (by a flag, or -p/-m for a target, -m for a model), at most MAX_CELLS cells."""
    if not axes:
        raise SweepError("a sweep needs an axis: --seeds or --vary NAME=V1,V2,…")
    if len(axes) > MAX_AXES:
        raise SweepError(f"a sweep has one or two axes (X and Y), not {len(axes)}")
    names = [axis.name for axis in axes]
    if len(set(names)) != len(names):
        raise SweepError(f"{names[0]} is given as both axes")
    if {"model", "target"} <= set(names):
        raise SweepError("vary model or target, not both (a target names its model)")
    for name in names:
        fixed = _REPLACES.get(name, (name,))
        clash = dict.fromkeys(_FLAGS.get(f, f) for f in fixed if params.get(f) is not None)
        if clash:
            raise SweepError(f"{name} is an axis: drop {' and '.join(clash)} (it fixes {name})")
    if "target" in names and (provider_given or model_given):
        raise SweepError("target is an axis: drop -p/-m (each target names both)")
    if "model" in names and model_given:
        raise SweepError("model is an axis: drop -m")
    cells = 1
    for axis in axes:
        cells *= len(axis.values)
    if cells > MAX_CELLS:
        raise SweepError(f"the grid has {cells} cells, more than {MAX_CELLS}")


# ---- planning ------------------------------------------------------------------------------------


def fixed_params(
    params: Mapping[str, Any], axes: Sequence[Axis], *, rng: random.Random | None = None
) -> dict[str, Any]:
    """`params` with a seed drawn (unless seeds is an axis) and DEFAULT_SIZE (unless a size or
    a ratio is given or varied): what every cell shares."""
    names = {axis.name for axis in axes}
    fixed = {k: v for k, v in params.items() if v is not None}
    if "seed" not in names and fixed.get("seed") is None:
        fixed["seed"] = (rng or random.SystemRandom()).randint(0, MAX_SEED)
    sized = any(k in fixed for k in ("width", "height", "aspect_ratio"))
    if not sized and not names & {"size", "aspect_ratio"}:
        fixed["width"], fixed["height"] = DEFAULT_SIZE
    return fixed


def cells_of(axes: Sequence[Axis]) -> Iterator[tuple[int, ...]]:
    """Each cell's indices (X first), row by row: (0, 0), (1, 0), (2, 0), (0, 1), …"""
    ranges = [range(len(axis.values)) for axis in axes]
    for indices in product(*reversed(ranges)):
        yield tuple(reversed(indices))


def plan(
    config: Config,
    prompt: str,
    params: Mapping[str, Any],
    base: Target,
    axes: Iterable[Axis],
    extra: Mapping[str, Any] | None = None,
    inputs: tuple[InputImage, ...] = (),
    fit: Callable[[GenerationRequest], GenerationRequest] | None = None,
    *,
    rng: random.Random | None = None,
) -> SweepPlan:
    """The sweep's fixed params and one plan per cell (`params` are the fixed ones asked for;
    `base` is the target of every cell unless model or target is an axis)."""
    axes = tuple(axes)
    fixed = fixed_params(params, axes, rng=rng)
    plans = [
        _cell_plan(config, prompt, fixed, dict(extra or {}), base, axes, cell, inputs, fit)
        for cell in cells_of(axes)
    ]
    return SweepPlan(prompt, fixed, dict(extra or {}), axes, tuple(plans))


def _cell_plan(
    config: Config,
    prompt: str,
    fixed: Mapping[str, Any],
    extra: dict[str, Any],
    target: Target,
    axes: tuple[Axis, ...],
    cell: tuple[int, ...],
    inputs: tuple[InputImage, ...],
    fit: Callable[[GenerationRequest], GenerationRequest] | None,
) -> TargetPlan:
    params = dict(fixed)
    varied = []
    for axis, index in zip(axes, cell, strict=True):
        value = axis.values[index]
        if axis.name == "target":
            provider, _, model = str(value).partition(":")
            target = Target(provider, model)
        elif axis.name == "model":
            target = Target(target.provider, str(value))
        elif axis.name == "size":
            params["width"], params["height"] = catalog.parse_wxh(value) or DEFAULT_SIZE
            varied.append("width")
        elif axis.name.startswith(PARAMS_PREFIX):
            extra[axis.name[len(PARAMS_PREFIX) :]] = value
        else:
            params[axis.name] = value
            varied.append(axis.name)
    coordinates = ", ".join(
        f"{axis.name} {axis.label(i)}" for axis, i in zip(axes, cell, strict=True)
    )
    label = f"cell {coordinates} ({target})"
    entry = config.entry(target.provider)
    request = GenerationRequest(prompt, target.provider, target.model, params, extra, inputs)
    spec = catalog.model_spec(entry.model_table, target.model)
    refused = [
        f"its model does not take {'size' if name == 'width' else name}"
        for name in varied
        if not spec.accepts(name)
    ]
    fitted, dropped = catalog.split_supported(entry.model_table, request)
    fitted = fit(fitted) if fit is not None else fitted
    problems = refused or providers.validate(entry.protocol, entry.model_table, fitted)
    return TargetPlan(target, fitted, tuple(dropped), tuple(problems), cell, label)
