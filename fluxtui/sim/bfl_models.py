"""What BFL's models take, as its FastAPI server checks it (providers.md sections 2 and 6).

Families: FLUX.1 (``flux-pro-1.1``, ``flux-pro``, ``flux-dev``; an unknown model is checked like
``flux-dev``), ``flux-pro-1.1-ultra``, FLUX.2 (``flux-2-pro``/``-max``/``-flex``/``-klein-*``) and
Kontext (``flux-kontext-pro``/``-max``). CometAPI proxies BFL, so it is checked the same way.

- Fields a model does not take are dropped, as pydantic does by default, and listed in the
  job's ``ignored`` (the spec names no BFL model that refuses extras); the ``strict=1``
  directive refuses them with 422 ``extra_forbidden`` instead.
- Prompt upsampling: FLUX.1, ultra and Kontext take ``prompt_upsampling`` (default false);
  ``flux-2-pro``/``-max`` take ``disable_pup`` (default false, so they upsample) and ignore
  ``prompt_upsampling``; ``flux-2-flex`` takes ``prompt_upsampling`` with default **true**;
  klein takes neither. An upsampled job's result ``prompt`` ends with :data:`UPSAMPLED`.
- Formats: FLUX.1/ultra/Kontext ``jpeg`` | ``png``; FLUX.2 also ``webp``, and ``transparent_bg``
  gives png/webp an alpha channel. Kontext defaults to png, the others to jpeg.
- Cost (credits, 1 credit = US$0.01, illustrative): FLUX.1 a flat price per image; FLUX.2
  per megapixel (``FLUX2_RATES``: the first output MP, each further output MP begun, each input
  MP). A megapixel is :data:`MEGAPIXEL` pixels (so 1024x1024 is 1 MP and 2048x2048 the 4 MP
  limit); an input image given as a URL counts as 1 MP (the simulator fetches nothing).
"""

from __future__ import annotations

import base64
import binascii
import io
import math
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, UnidentifiedImageError

from fluxtui.sim.render import ULTRA_PIXELS, aspect_size
from fluxtui.sim.validation import FOUR_MP, Checker, ErrorList

#: Pixels in a megapixel, for ``input_mp``/``output_mp`` and FLUX.2 prices.
MEGAPIXEL = 1024 * 1024
#: What an upsampled prompt gains (the result's ``prompt`` shows it).
UPSAMPLED = ", upsampled: rich detail, balanced composition, soft natural light"
#: Kontext draws about 1 MP at the requested aspect ratio (default 1:1).
KONTEXT_PIXELS = 1024 * 1024
#: FLUX.2: credits for the first output MP, each further output MP, each input MP.
FLUX2_RATES = {
    "flux-2-pro": (3.0, 1.5, 1.5),
    "flux-2-max": (7.0, 3.0, 3.0),
    "flux-2-flex": (6.0, 6.0, 6.0),
    "flux-2-klein-9b": (1.5, 0.2, 0.2),
    "flux-2-klein-4b": (1.4, 0.1, 0.1),
}
#: FLUX.1, ultra and Kontext: credits per image (other models: 2.5).
FLAT_PRICES = {
    "flux-pro-1.1": 4.0,
    "flux-pro": 5.0,
    "flux-dev": 2.5,
    "flux-pro-1.1-ultra": 6.0,
    "flux-kontext-pro": 4.0,
    "flux-kontext-max": 8.0,
}
#: Active tasks a key may have (HTTP 429 beyond): 24 for most models, fewer for some.
INFLIGHT_CAPS = {"flux-kontext-max": 6}
DEFAULT_INFLIGHT_CAP = 24

_COMMON = {"prompt", "seed", "safety_tolerance", "output_format", "webhook_url", "webhook_secret"}


@dataclass
class Checked:
    """The outcome of checking a submit: errors, or what the job needs."""

    errors: ErrorList
    width: int = 1024
    height: int = 1024
    fmt: str = "jpeg"
    seed: int | None = None
    upsampled: bool = False
    transparent: bool = False
    input_mp: float = 0.0
    ignored: list[str] = field(default_factory=list)
    cost: float = 0.0


def family(model: str) -> str:
    """``ultra``, ``flux2``, ``kontext`` or ``flux1``."""
    if model.startswith("flux-pro-1.1-ultra"):
        return "ultra"
    if model.startswith("flux-2-"):
        return "flux2"
    if model.startswith("flux-kontext-"):
        return "kontext"
    return "flux1"


def inflight_cap(model: str) -> int:
    return INFLIGHT_CAPS.get(model, DEFAULT_INFLIGHT_CAP)


def check(model: str, body: dict[str, Any], *, strict: bool = False) -> Checked:
    """BFL's server-side checks of a submit to ``model``."""
    c = Checker(body)
    c.string("prompt", required=True, min_length=1)
    c.string("webhook_url")
    c.string("webhook_secret")
    seed = c.integer("seed")
    kind = family(model)
    checker = {"ultra": _ultra, "flux2": _flux2, "kontext": _kontext, "flux1": _flux1}[kind]
    checked, known = checker(model, c)
    checked.seed = seed
    checked.ignored = [name for name in body if name not in _COMMON | known]
    if strict:
        for name in checked.ignored:
            c.error(name, "extra_forbidden", "Extra inputs are not permitted", body[name])
    checked.errors = c.errors
    checked.cost = _cost(model, checked)
    return checked


def _flux1(model: str, c: Checker) -> tuple[Checked, set[str]]:
    known = {"image_prompt", "width", "height", "prompt_upsampling"}
    c.integer("safety_tolerance", ge=0, le=6)
    c.string("image_prompt")
    if model != "flux-pro-1.1":
        known |= {"steps", "guidance"}
        c.integer("steps", ge=1, le=50)
        c.number("guidance", ge=1.5, le=5)
    if model == "flux-pro":
        known.add("interval")
        c.integer("interval", ge=1, le=4)
    checked = Checked(
        [],
        width=c.integer("width", ge=256, le=1440, multiple_of=32) or 1024,
        height=c.integer("height", ge=256, le=1440, multiple_of=32) or 768,
        fmt=c.choice("output_format", ("jpeg", "png")) or "jpeg",
        upsampled=c.boolean("prompt_upsampling") is True,
    )
    return checked, known


def _ultra(model: str, c: Checker) -> tuple[Checked, set[str]]:
    known = {"aspect_ratio", "raw", "image_prompt", "image_prompt_strength", "prompt_upsampling"}
    c.integer("safety_tolerance", ge=0, le=6)
    c.boolean("raw")
    c.string("image_prompt")
    c.number("image_prompt_strength", ge=0, le=1)
    width, height = _ratio_size(c, "16:9", ULTRA_PIXELS, 21 / 9, "21:9 and 9:21")
    checked = Checked(
        [],
        width=width,
        height=height,
        fmt=c.choice("output_format", ("jpeg", "png")) or "jpeg",
        upsampled=c.boolean("prompt_upsampling") is True,
    )
    return checked, known


def _kontext(model: str, c: Checker) -> tuple[Checked, set[str]]:
    images = ("input_image", "input_image_2", "input_image_3", "input_image_4")
    known = {"aspect_ratio", "prompt_upsampling", *images}
    input_mp = sum(_image_mp(c, name) for name in images)
    with_image = any(c.body.get(name) is not None for name in images)
    c.integer("safety_tolerance", ge=0, le=2 if with_image else 6)
    # Sources disagree on the range (3:7-7:3, 1:4-4:1, 21:9-9:21): the widest one is taken.
    width, height = _ratio_size(c, "1:1", KONTEXT_PIXELS, 4.0, "1:4 and 4:1")
    checked = Checked(
        [],
        width=width,
        height=height,
        fmt=c.choice("output_format", ("jpeg", "png")) or "png",
        upsampled=c.boolean("prompt_upsampling") is True,
        input_mp=input_mp,
    )
    return checked, known


def _flux2(model: str, c: Checker) -> tuple[Checked, set[str]]:
    klein = "klein" in model
    images = ["input_image"] + [f"input_image_{k}" for k in range(2, 5 if klein else 9)]
    known = {"width", "height", "transparent_bg", *images}
    c.integer("safety_tolerance", ge=0, le=5)
    input_mp = sum(_image_mp(c, name) for name in images)
    if "flex" in model:
        known |= {"steps", "guidance", "prompt_upsampling"}
        c.integer("steps", ge=1, le=50)
        c.number("guidance", ge=1.5, le=10)
        upsampled = c.boolean("prompt_upsampling") is not False
    elif klein:
        upsampled = False
    else:  # pro, max
        known.add("disable_pup")
        upsampled = c.boolean("disable_pup") is not True
    width = c.integer("width", ge=64, multiple_of=16) or 1024
    height = c.integer("height", ge=64, multiple_of=16) or 1024
    if width * height > FOUR_MP:
        c.error(
            None,
            "value_error",
            "Value error, width * height must be at most 4 megapixels",
            {"width": width, "height": height},
        )
    fmt = c.choice("output_format", ("jpeg", "png", "webp")) or "jpeg"
    checked = Checked(
        [],
        width=width,
        height=height,
        fmt=fmt,
        upsampled=upsampled,
        transparent=c.boolean("transparent_bg") is True and fmt in ("png", "webp"),
        input_mp=input_mp,
    )
    return checked, known


def _ratio_size(
    c: Checker, default: str, pixels: int, widest: float, words: str
) -> tuple[int, int]:
    """The drawn size for ``aspect_ratio``, which must lie within ``widest``:1 .. 1:``widest``."""
    ratio = c.string("aspect_ratio") or default
    size = aspect_size(ratio, pixels)
    if size is not None:
        w, _, h = ratio.partition(":")
        if 1 / widest <= int(w) / int(h) <= widest:
            return size
    c.error(
        "aspect_ratio", "value_error", f"Value error, Aspect ratio must be between {words}", ratio
    )
    return 0, 0  # the request is refused: no job is made with this size


def _image_mp(c: Checker, name: str) -> float:
    """Megapixels of an image input (a URL counts 1 MP); records an error for a bad one."""
    value = c.string(name)
    if value is None:
        return 0.0
    if value.startswith(("http://", "https://")):
        return 1.0
    try:
        data = base64.b64decode(value.partition(",")[2] if value.startswith("data:") else value)
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (binascii.Error, ValueError, UnidentifiedImageError, OSError):
        c.error(
            name,
            "value_error",
            "Value error, must be an image URL or a base64-encoded image",
            value[:64],
        )
        return 0.0
    return float(width * height / MEGAPIXEL)


def megapixels(width: int, height: int) -> float:
    return float(width * height / MEGAPIXEL)


def _cost(model: str, checked: Checked) -> float:
    rates = FLUX2_RATES.get(model)
    if rates is None:
        return FLAT_PRICES.get(model, 2.5)
    first, further, per_input = rates
    begun = math.ceil(megapixels(checked.width, checked.height) - 1e-9)
    cost = first + further * max(0, begun - 1) + per_input * checked.input_mp
    return round(cost, 2)
