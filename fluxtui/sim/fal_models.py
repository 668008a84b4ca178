"""What fal's FLUX apps take (providers.md sections 5 and 6), checked as fal's pydantic models do.

- FLUX.1 apps (``fal-ai/flux/dev``, ``fal-ai/flux-1/dev``, ``fal-ai/flux-pro/v1.1`` ...):
  ``image_size`` a preset or ``{width, height}`` (default ``landscape_4_3``), jpeg | png.
- ``fal-ai/flux-pro/v1.1-ultra``: ``aspect_ratio`` one of :data:`ULTRA_RATIOS` (default 16:9).
- FLUX.2 apps (``fal-ai/flux-2-pro``, ``-flex``, ``-max``, ``fal-ai/flux-2/klein/...`` and their
  ``/edit`` forms): ``image_size`` a preset, ``auto`` or ``{width, height}``; jpeg | png | webp.
  The ``/edit`` forms need ``image_urls`` (a list of URLs or ``data:`` URIs) and default to
  ``auto``: the first input's size when it is a ``data:`` URI, else 1024x1024. The image the
  simulator returns has the requested size.
- Kontext (``fal-ai/flux-pro/kontext``): ``image_url`` and ``aspect_ratio``.

Unknown fields are dropped and recorded in the job's ``ignored`` (``strict=1``: 422
``extra_forbidden``).
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, UnidentifiedImageError

from fluxtui.sim.render import ULTRA_PIXELS, aspect_size
from fluxtui.sim.validation import Checker, ErrorList

IMAGE_SIZES = {
    "square_hd": (1024, 1024),
    "square": (512, 512),
    "portrait_4_3": (768, 1024),
    "portrait_16_9": (576, 1024),
    "landscape_4_3": (1024, 768),
    "landscape_16_9": (1024, 576),
}
#: The aspect ratios ``fal-ai/flux-pro/v1.1-ultra`` takes.
ULTRA_RATIOS = ("21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21")
#: ``image_size: auto`` with no readable input image.
AUTO_SIZE = (1024, 1024)

_COMMON = {
    "prompt",
    "seed",
    "num_images",
    "enable_safety_checker",
    "safety_tolerance",
    "output_format",
    "sync_mode",
}
_FLUX1 = {"image_size", "num_inference_steps", "guidance_scale", "acceleration"}
_ULTRA = {"aspect_ratio", "raw", "image_url", "image_prompt_strength"}
_FLUX2 = {"image_size", "num_inference_steps", "guidance_scale", "acceleration", "image_urls"}
_KONTEXT = {"image_url", "aspect_ratio", "guidance_scale", "num_inference_steps"}


@dataclass
class Checked:
    errors: ErrorList
    width: int = 1024
    height: int = 768
    fmt: str = "jpeg"
    seed: int | None = None
    n: int = 1
    steps: int = 28
    safety: bool = True
    ignored: list[str] = field(default_factory=list)


def family(app_id: str) -> str:
    """``ultra``, ``flux2``, ``kontext`` or ``flux1``."""
    if "ultra" in app_id:
        return "ultra"
    if app_id.startswith("fal-ai/flux-2"):
        return "flux2"
    if "kontext" in app_id:
        return "kontext"
    return "flux1"


def check(app_id: str, body: dict[str, Any], *, strict: bool = False) -> Checked:
    """The app's input schema over ``body``."""
    c = Checker(body)
    c.string("prompt", required=True, min_length=1)
    kind = family(app_id)
    out = Checked(
        [],
        steps=c.integer("num_inference_steps", ge=1, le=50) or 28,
        n=c.integer("num_images", ge=1, le=4) or 1,
        safety=c.boolean("enable_safety_checker") is not False,
        seed=c.integer("seed"),
    )
    c.number("guidance_scale", ge=1, le=20)
    c.choice("acceleration", ("none", "regular", "high"))
    c.boolean("sync_mode")
    formats = ("jpeg", "png", "webp") if kind == "flux2" else ("jpeg", "png")
    out.fmt = c.choice("output_format", formats) or "jpeg"
    if kind == "ultra":
        ratio = c.choice("aspect_ratio", ULTRA_RATIOS) or "16:9"
        out.width, out.height = aspect_size(ratio, ULTRA_PIXELS) or (1024, 576)
        known = _ULTRA
    elif kind == "kontext":
        c.string("image_url", required=True)
        ratio = c.string("aspect_ratio") or "1:1"
        out.width, out.height = aspect_size(ratio, 1024 * 1024) or (1024, 1024)
        known = _KONTEXT
    elif kind == "flux2":
        edit = app_id.endswith("/edit")
        urls = _image_urls(c, required=edit)
        out.width, out.height = _image_size(c, "auto" if edit else "landscape_4_3", urls)
        known = _FLUX2
    else:
        out.width, out.height = _image_size(c, "landscape_4_3", None)
        known = _FLUX1
    out.ignored = [name for name in body if name not in _COMMON | known]
    if strict:
        for name in out.ignored:
            c.error(name, "extra_forbidden", "Extra inputs are not permitted", body[name])
    out.errors = c.errors
    return out


def _image_urls(c: Checker, required: bool) -> list[str]:
    value = c.body.get("image_urls")
    if value is None:
        if required:
            c.error("image_urls", "missing", "Field required", c.body)
        return []
    if not isinstance(value, list) or not all(isinstance(url, str) for url in value):
        c.error("image_urls", "list_type", "Input should be a valid list of strings", value)
        return []
    if required and not value:
        c.error(
            "image_urls", "too_short", "List should have at least 1 item after validation", value
        )
    return value


def _image_size(c: Checker, default: str, urls: list[str] | None) -> tuple[int, int]:
    """The requested size; ``urls`` is None for apps that know no ``auto`` (FLUX.1)."""
    value = c.body.get("image_size", default)
    if isinstance(value, dict):
        sides = Checker(value, loc=("body", "image_size"))
        width = sides.integer("width", ge=1, le=14142, required=True)
        height = sides.integer("height", ge=1, le=14142, required=True)
        c.errors.extend(sides.errors)
        return (width or 1024, height or 768)
    if isinstance(value, str) and value in IMAGE_SIZES:
        return IMAGE_SIZES[value]
    if value == "auto" and urls is not None:
        return _data_uri_size(urls[0]) if urls else AUTO_SIZE
    c.choice("image_size", tuple(IMAGE_SIZES) + (() if urls is None else ("auto",)))
    return IMAGE_SIZES["landscape_4_3"]


def _data_uri_size(url: str) -> tuple[int, int]:
    """The size of a ``data:`` URI image; :data:`AUTO_SIZE` for a URL or an unreadable one."""
    if not url.startswith("data:"):
        return AUTO_SIZE
    try:
        with Image.open(io.BytesIO(base64.b64decode(url.partition(",")[2]))) as image:
            width, height = image.size
            return int(width), int(height)
    except (binascii.Error, ValueError, UnidentifiedImageError, OSError):
        return AUTO_SIZE
