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
  limit).
- Input images (base64 or a URL, read by :mod:`fluxtui.sim.inputs` before the checks): Kontext
  ``input_image`` ... ``input_image_4``, FLUX.2 ... ``input_image_8`` (klein ... ``_4``), FLUX.1
  and ultra ``image_prompt``, Fill (``flux-pro-1.0-fill``) ``image`` (required) and ``mask``
  (the image's size). An image field a model does not take is refused (422), not dropped: the
  image would be lost and the job paid for. Without a size, FLUX.2 draws at the first input's
  size (multiples of 16, at most 4 MP), Kontext at its aspect ratio, Fill at the image's size.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from fluxtui.sim.inputs import InputImage, Taken
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
    "flux-pro-1.0-fill": 5.0,
}
#: Active tasks a key may have (HTTP 429 beyond): 24 for most models, fewer for some.
INFLIGHT_CAPS = {"flux-kontext-max": 6}
DEFAULT_INFLIGHT_CAP = 24

_COMMON = {"prompt", "seed", "safety_tolerance", "output_format", "webhook_url", "webhook_secret"}
#: Body fields that carry an image, on any BFL model.
_IMAGE_FIELD = re.compile(r"^(input_image(_[2-9])?|image_prompt|image|mask)$")


def image_fields(body: dict[str, Any]) -> list[tuple[str, int, str]]:
    """The ``(field, 0, value)`` of each image given as text in ``body``, for
    :func:`fluxtui.sim.inputs.take_all`."""
    return [
        (name, 0, value)
        for name, value in body.items()
        if _IMAGE_FIELD.match(name) and isinstance(value, str)
    ]


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
    inputs: list[InputImage] = field(default_factory=list)


def family(model: str) -> str:
    """``ultra``, ``flux2``, ``kontext``, ``fill`` or ``flux1``."""
    if model.startswith("flux-pro-1.1-ultra"):
        return "ultra"
    if model.startswith("flux-2-"):
        return "flux2"
    if model.startswith("flux-kontext-"):
        return "kontext"
    if model.startswith("flux-pro-1.0-fill"):
        return "fill"
    return "flux1"


class Images:
    """The input images of one submit, as read; each field is claimed by the model's checker."""

    def __init__(self, c: Checker, taken: list[Taken]) -> None:
        self.c = c
        self.taken = {item.field: item for item in taken}
        self.claimed: list[str] = []

    def get(self, name: str, required: bool = False) -> InputImage | None:
        """The image in field ``name``; records an error for a bad or missing one."""
        self.claimed.append(name)
        value = self.c.string(name, required=required)
        item = self.taken.get(name)
        if value is None or item is None:
            return None
        if isinstance(item, InputImage):
            return item
        self.c.error(name, "value_error", f"Value error, {name}: {item.detail}", value[:64])
        return None

    def refuse_unclaimed(self, model: str, most: int) -> None:
        """A 422 for each image field the model does not take (``most``: its input_image count)."""
        for name in self.c.body:
            if not _IMAGE_FIELD.match(name) or name in self.claimed:
                continue
            if name.startswith("input_image") and most:
                msg = f"{model} takes at most {most} input images (input_image ... "
                msg += f"input_image_{most})" if most > 1 else "input_image)"
            else:
                msg = f"{model} takes no {name}"
            self.c.error(name, "extra_forbidden", f"Value error, {msg}", name)

    def inputs(self) -> list[InputImage]:
        """The model's images, in the order its fields were claimed."""
        found = (self.taken.get(name) for name in self.claimed)
        return [item for item in found if isinstance(item, InputImage)]


def inflight_cap(model: str) -> int:
    return INFLIGHT_CAPS.get(model, DEFAULT_INFLIGHT_CAP)


def check(
    model: str, body: dict[str, Any], taken: list[Taken] | None = None, *, strict: bool = False
) -> Checked:
    """BFL's server-side checks of a submit to ``model``; ``taken``: its input images, read."""
    c = Checker(body)
    c.string("prompt", required=True, min_length=1)
    c.string("webhook_url")
    c.string("webhook_secret")
    seed = c.integer("seed")
    kind = family(model)
    images = Images(c, taken or [])
    checker = {
        "ultra": _ultra,
        "flux2": _flux2,
        "kontext": _kontext,
        "fill": _fill,
        "flux1": _flux1,
    }[kind]
    checked, known = checker(model, c, images)
    images.refuse_unclaimed(model, _input_count(model))
    checked.seed = seed
    checked.inputs = images.inputs()
    checked.input_mp = sum(megapixels(image.width, image.height) for image in checked.inputs)
    checked.ignored = [
        name for name in body if name not in _COMMON | known and not _IMAGE_FIELD.match(name)
    ]
    if strict:
        for name in checked.ignored:
            c.error(name, "extra_forbidden", "Extra inputs are not permitted", body[name])
    checked.errors = c.errors
    checked.cost = _cost(model, checked)
    return checked


def _input_count(model: str) -> int:
    """How many ``input_image*`` fields ``model`` takes."""
    kind = family(model)
    if kind == "flux2":
        return 4 if "klein" in model else 8
    return 4 if kind == "kontext" else 0


def _input_images(model: str) -> list[str]:
    most = _input_count(model)
    return ["input_image"] + [f"input_image_{k}" for k in range(2, most + 1)] if most else []


def _flux1(model: str, c: Checker, images: Images) -> tuple[Checked, set[str]]:
    known = {"image_prompt", "width", "height", "prompt_upsampling"}
    c.integer("safety_tolerance", ge=0, le=6)
    images.get("image_prompt")
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


def _ultra(model: str, c: Checker, images: Images) -> tuple[Checked, set[str]]:
    known = {"aspect_ratio", "raw", "image_prompt", "image_prompt_strength", "prompt_upsampling"}
    c.integer("safety_tolerance", ge=0, le=6)
    c.boolean("raw")
    images.get("image_prompt")
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


def _kontext(model: str, c: Checker, images: Images) -> tuple[Checked, set[str]]:
    names = _input_images(model)
    known = {"aspect_ratio", "prompt_upsampling", *names}
    first = [image for image in (images.get(name) for name in names) if image is not None]
    with_image = any(c.body.get(name) is not None for name in names)
    c.integer("safety_tolerance", ge=0, le=2 if with_image else 6)
    # Sources disagree on the range (3:7-7:3, 1:4-4:1, 21:9-9:21): the widest one is taken.
    default = "1:1"
    if first and c.body.get("aspect_ratio") is None:  # the first input's aspect ratio
        ratio = min(4.0, max(0.25, first[0].width / first[0].height))
        default = f"{round(ratio * 1000)}:1000"
    width, height = _ratio_size(c, default, KONTEXT_PIXELS, 4.0, "1:4 and 4:1")
    checked = Checked(
        [],
        width=width,
        height=height,
        fmt=c.choice("output_format", ("jpeg", "png")) or "png",
        upsampled=c.boolean("prompt_upsampling") is True,
    )
    return checked, known


def _fill(model: str, c: Checker, images: Images) -> tuple[Checked, set[str]]:
    """Fill: ``image`` and an optional ``mask`` of its size; steps 15-50, guidance 1.5-100
    (unconfirmed ranges: BFL's page; the spec names the fields only)."""
    known = {"image", "mask", "steps", "guidance", "prompt_upsampling"}
    c.integer("safety_tolerance", ge=0, le=6)
    c.integer("steps", ge=15, le=50)
    c.number("guidance", ge=1.5, le=100)
    image = images.get("image", required=True)
    mask = images.get("mask")
    if (
        image is not None
        and mask is not None
        and (image.width, image.height)
        != (
            mask.width,
            mask.height,
        )
    ):
        c.error(
            "mask",
            "value_error",
            f"Value error, the mask must have the image's size ({image.width}x{image.height});"
            f" it is {mask.width}x{mask.height}",
            f"{mask.width}x{mask.height}",
        )
    checked = Checked(
        [],
        width=image.width if image else 1024,
        height=image.height if image else 1024,
        fmt=c.choice("output_format", ("jpeg", "png")) or "jpeg",
        upsampled=c.boolean("prompt_upsampling") is True,
    )
    return checked, known


def _flux2(model: str, c: Checker, images: Images) -> tuple[Checked, set[str]]:
    klein = "klein" in model
    names = _input_images(model)
    known = {"width", "height", "transparent_bg", *names}
    c.integer("safety_tolerance", ge=0, le=5)
    first = [image for image in (images.get(name) for name in names) if image is not None]
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
    default = _input_size(first[0]) if first else (1024, 1024)
    width = c.integer("width", ge=64, multiple_of=16) or default[0]
    height = c.integer("height", ge=64, multiple_of=16) or default[1]
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
    )
    return checked, known


def _input_size(image: InputImage) -> tuple[int, int]:
    """FLUX.2's size for an input: at most 4 MP, sides multiples of 16, at least 64."""
    scale = min(1.0, math.sqrt(FOUR_MP / image.pixels))
    width, height = (max(64, int(side * scale) // 16 * 16) for side in image.size)
    return width, height


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
