"""Turning `fluxtui generate` flags into provider-neutral requests."""

from __future__ import annotations

import argparse
import json
from typing import Any

from fluxtui.core.catalog import parse_wxh
from fluxtui.core.config import Config
from fluxtui.core.models import GenerationRequest


class BadFlags(ValueError):
    """Flags that cannot form a request; the message says which and why."""


def parse_size(text: str) -> tuple[int, int]:
    dims = parse_wxh(text)
    if dims is None:
        raise BadFlags(f"--size {text!r} is not WIDTHxHEIGHT, e.g. 1024x768")
    return dims


def parse_param(text: str) -> tuple[str, Any]:
    """`key=value`; the value read as JSON when it parses (3 → int, true → bool), else a string."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise BadFlags(f"--param {text!r} is not KEY=VALUE")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key.strip(), value


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
        "num_images": args.num_images,
    }
    return {k: v for k, v in params.items() if v is not None}


def requests_from_args(args: argparse.Namespace, config: Config) -> list[GenerationRequest]:
    if not args.prompt.strip():
        raise BadFlags("the prompt is empty")
    providers = args.provider or [config.preferred_provider()]
    if len(set(providers)) != len(providers):
        raise BadFlags("a --provider is named twice")
    if args.base_url and len(providers) != 1:
        raise BadFlags("--base-url needs exactly one --provider")
    params = params_from_args(args)
    extra = dict(parse_param(p) for p in args.param)
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
