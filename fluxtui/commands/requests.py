"""Turning `fluxtui generate` flags into provider-neutral requests.

`--param KEY=VALUE` passes a provider field verbatim. KEY is a field name (letters, digits, `_`,
`.`, `-`; at most 64). VALUE is read as JSON when it parses, else kept as text; it may be at most
`MAX_PARAM_BYTES` (64 KiB, UTF-8) and, as JSON, nest at most `MAX_JSON_DEPTH` (32) arrays/objects
deep, which is far more than any provider field needs and keeps the parser off deep recursion.
JSON's numbers must be finite (no NaN, Infinity or 1e999) and whole ones fit in 64 bits.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from typing import Any, NoReturn

from fluxtui.core import inputs
from fluxtui.core.catalog import parse_wxh
from fluxtui.core.config import Config
from fluxtui.core.models import GenerationRequest

_PARAM_KEY = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MAX_PARAM_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32


class BadFlags(ValueError):
    """Flags that cannot form a request; the message says which and why."""


def parse_size(text: str) -> tuple[int, int]:
    dims = parse_wxh(text)
    if dims is None:
        raise BadFlags(f"--size: {inputs.shown(text)} is not WIDTHxHEIGHT, e.g. 1024x768")
    try:
        return inputs.whole(str(dims[0]), low=1), inputs.whole(str(dims[1]), low=1)
    except inputs.BadValue as exc:
        raise BadFlags(f"--size: {exc}") from None


def parse_param(text: str) -> tuple[str, Any]:
    """`key=value`; the value read as JSON when it parses (3 → int, true → bool), else a string."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise BadFlags(f"--param {inputs.shown(text)} is not KEY=VALUE")
    if not _PARAM_KEY.fullmatch(key):
        raise BadFlags(
            f"--param {inputs.shown(key)}: a field name is letters, digits, _ . - (at most 64)"
        )
    size = len(raw.encode("utf-8"))
    if size > MAX_PARAM_BYTES:
        raise BadFlags(
            f"--param {key}: the value is {size:,} bytes, over the limit of {MAX_PARAM_BYTES:,}"
        )
    if _json_depth(raw) > MAX_JSON_DEPTH:
        raise BadFlags(f"--param {key}: the value nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = json.loads(raw, parse_constant=_no_constant, parse_float=_finite, parse_int=_int64)
    except json.JSONDecodeError:
        value = raw
    except inputs.BadValue as exc:
        raise BadFlags(f"--param {key}: {exc}") from None
    return key, value


def _json_depth(raw: str) -> int:
    """How deep `raw`'s brackets nest outside JSON strings, counted without recursion.

    `json.loads` recurses once per level (a RecursionError at about 1,000, even on text that is
    not JSON, such as 40,000 `[`): it only sees text this found to nest at most MAX_JSON_DEPTH.
    """
    depth = deepest = 0
    in_string = escaped = False
    for char in raw:
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _no_constant(name: str) -> NoReturn:
    raise inputs.BadValue(f"{name} is not a finite number (JSON has no NaN or Infinity)")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise inputs.BadValue(f"{inputs.shown(text)} is not a finite number")
    return value


def _int64(text: str) -> int:
    return inputs.whole(text, low=-inputs.LARGEST_INT - 1)


def params_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The canonical params the generic flags ask for."""
    if args.size and (args.width is not None or args.height is not None):
        raise BadFlags("give --size or --width/--height, not both")
    width, height = parse_size(args.size) if args.size else (args.width, args.height)
    if (width is None) != (height is None):
        raise BadFlags("give --width and --height together")
    if args.aspect and width is not None:
        raise BadFlags("give a size or --aspect, not both")
    params: dict[str, Any] = {
        "width": width,
        "height": height,
        "aspect_ratio": args.aspect,
        "seed": args.seed,
        "steps": args.steps,
        "guidance": args.guidance,
        "safety_tolerance": args.safety,
        "output_format": args.format,
        "transparent_bg": True if args.transparent else None,
        "prompt_upsampling": args.prompt_upsampling,
        "num_images": args.num_images,
        "image_prompt_strength": args.image_strength,
    }
    return {k: v for k, v in params.items() if v is not None}


def params_extra(texts: list[str]) -> dict[str, Any]:
    """The `--param` flags as provider fields; each field may be given once."""
    extra: dict[str, Any] = {}
    for text in texts:
        key, value = parse_param(text)
        if key in extra:
            raise BadFlags(f"--param {key} is given twice")
        extra[key] = value
    return extra


def requests_from_args(args: argparse.Namespace, config: Config) -> list[GenerationRequest]:
    if not args.prompt.strip():
        raise BadFlags("the prompt is empty")
    providers = args.provider or [config.preferred_provider()]
    if len(set(providers)) != len(providers):
        raise BadFlags("a --provider is named twice")
    if args.base_url and len(providers) != 1:
        raise BadFlags("--base-url needs exactly one --provider")
    params = params_from_args(args)
    extra = params_extra(args.param)
    requests = []
    for name in providers:
        model = config.entry(name).choose_model(args.model)
        if not model:
            raise BadFlags(
                f"{name} has no default model: give --model or set default_model "
                f"in [providers.{name}]"
            )
        requests.append(
            GenerationRequest(
                prompt=args.prompt, provider=name, model=model, params=params, extra=extra
            )
        )
    return requests


def missing_keys(config: Config, providers: list[str]) -> list[str]:
    """What to set for each of `providers` (once each) that has no API key, in their order."""
    names = dict.fromkeys(providers)
    return [
        config.entry(name).missing_key_message for name in names if not config.entry(name).has_key
    ]
