"""A batch line's fields over the command line's flags: the request `generate` would build.

Each field is read by the flag type of the `generate` flag it stands for (`cli_flags`), laid over
a copy of the parsed flags, and the copy goes through `requests_from_args`, `inputs_from_args` and
`fitted` as `generate`'s own flags do: there is no second validator. A problem is a `BadFlags`
whose message names the field.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fluxtui import cli_flags as flags
from fluxtui.commands.input_flags import fitted, inputs_from_args
from fluxtui.commands.requests import BadFlags, requests_from_args
from fluxtui.core.batch_source import SourceLine
from fluxtui.core.config import Config
from fluxtui.core.inputs import shown
from fluxtui.core.models import GenerationRequest

#: the fields read as one value of a flag, by that flag's type (attribute = field name)
_TYPES: dict[str, Callable[[str], Any]] = {
    "prompt": flags.TEXT,
    "model": flags.TEXT,
    "width": flags.POSITIVE,
    "height": flags.POSITIVE,
    "size": flags.TEXT,
    "aspect": flags.TEXT,
    "seed": flags.NON_NEGATIVE,
    "steps": flags.POSITIVE,
    "guidance": flags.NUMBER,
    "safety": flags.NON_NEGATIVE,
    "num_images": flags.POSITIVE,
    "image_strength": flags.NUMBER,
    "mask": flags.TEXT,
    "name": flags.TEXT,
}
FORMATS = ("png", "jpeg", "webp")
_SIZES = ("width", "height", "size", "aspect")


def request_of(
    line: SourceLine, defaults: argparse.Namespace, config: Config, base: Path
) -> tuple[GenerationRequest, str | None]:
    """The request `line` asks for over `defaults` (the command line), and its `name`;
    relative image paths are taken from `base` (the batch file's folder). BadFlags otherwise."""
    args = _merged(line.fields, defaults, base)
    [request] = requests_from_args(args, config)
    images = inputs_from_args(args)
    downscale = args.downscale_inputs or config.downscale_inputs
    return fitted(config, request, images, downscale), args.name


def _merged(fields: dict[str, Any], defaults: argparse.Namespace, base: Path) -> argparse.Namespace:
    args = argparse.Namespace(**vars(defaults))
    args.base_url = None
    args.name = None
    if "prompt" not in fields:
        raise BadFlags("prompt: missing (every line needs one)")
    if any(name in fields for name in _SIZES):  # a line's size replaces the flags' whole
        for name in _SIZES:
            setattr(args, name, None)
    for name, value in fields.items():
        if name in _TYPES:
            setattr(args, name, _typed(name, value))
        elif name == "provider":
            args.provider = [_typed(name, value, flags.TEXT)]
        elif name == "format":
            args.format = _choice(name, value, FORMATS)
        elif name == "params":
            args.param = _params(value, defaults.param)
        elif name == "images":
            args.image = [_relative(text, base) for text in _texts(name, value)]
    if args.mask is not None:
        args.mask = _relative(args.mask, base)
    return args


def _typed(name: str, value: Any, read: Callable[[str], Any] | None = None) -> Any:
    """`value` (a JSON scalar, or a CSV cell's text) read as the flag `--name` reads its text."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadFlags(f"{name}: {shown(value)} is not a single value")
    try:
        return (read or _TYPES[name])(str(value))
    except argparse.ArgumentTypeError as exc:
        raise BadFlags(f"{name}: {exc}") from None


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise BadFlags(f"{name}: {shown(value)} is not one of {', '.join(choices)}")
    return str(value)


def _params(value: Any, flag_params: list[str]) -> list[str]:
    """The line's `params` object (or, in a CSV cell, its JSON text) as `--param` flags, each
    field over the command line's `--param` of the same name."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, RecursionError):
            raise BadFlags("params: not a JSON object") from None
    if not isinstance(value, dict):
        raise BadFlags("params: not an object of provider fields")
    kept = [text for text in flag_params if text.partition("=")[0].strip() not in value]
    # NaN or Infinity are written as such and refused by `--param`'s reader
    return kept + [f"{key}={json.dumps(item)}" for key, item in value.items()]


def _texts(name: str, value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, RecursionError):
            raise BadFlags(f"{name}: not a JSON list of files, URLs or job ids") from None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadFlags(f"{name}: give a list of files, URLs or job ids")
    return [_typed(name, item, flags.TEXT) for item in value]


def _relative(text: str, base: Path) -> str:
    """A file named relative to the batch file, when there is one there."""
    candidate = base / text
    if "://" not in text and not Path(text).is_absolute() and candidate.exists():
        return str(candidate)
    return text
