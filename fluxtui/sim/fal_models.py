"""What fal's FLUX apps take (providers.md sections 5 and 6), checked as fal's pydantic models do.

- FLUX.1 apps (``fal-ai/flux/dev``, ``fal-ai/flux-1/dev``, ``fal-ai/flux-pro/v1.1`` ...):
  ``image_size`` a preset or ``{width, height}`` (default ``landscape_4_3``), jpeg | png.
- ``fal-ai/flux-pro/v1.1-ultra``: ``aspect_ratio`` one of :data:`ULTRA_RATIOS` (default 16:9).
- FLUX.2 apps (``fal-ai/flux-2-pro``, ``-flex``, ``-max``, ``fal-ai/flux-2/klein/...`` and their
  ``/edit`` forms): ``image_size`` a preset, ``auto`` or ``{width, height}``; jpeg | png | webp.
  The ``/edit`` forms need ``image_urls`` (a list of URLs or ``data:`` URIs: at most 8, klein
  4; unconfirmed, as BFL's models) and default to ``auto``: the first input's size. The image
  the simulator returns has the requested size.
- Kontext (``fal-ai/flux-pro/kontext``): ``image_url`` (required) and ``aspect_ratio``;
  ultra takes an optional ``image_url``; a FLUX.1 ``.../image-to-image`` app ``image_url``
  (required) and ``strength``, and answers at the input's size.
- Input images are read by :mod:`fluxtui.sim.inputs` (a URL only from loopback); a bad one
  fails the job with fal's typed errors: ``image_load_error``, ``file_download_error``,
  ``file_too_large``, ``image_too_large``, ``too_long`` (too many), and
  ``feature_not_supported`` for an image given to an app that takes none.

Unknown fields are dropped and recorded in the job's ``ignored`` (``strict=1``: 422
``extra_forbidden``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fluxtui.sim.inputs import InputImage, Problem, Refusal, Taken
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
_FLUX2 = {"image_size", "num_inference_steps", "guidance_scale", "acceleration"}
#: fal's error type and message for each problem with an input image.
_PROBLEMS = {
    Problem.NOT_AN_IMAGE: (
        "image_load_error",
        "Failed to load the image. Please ensure the image file is not corrupted and is in "
        "a supported format.",
    ),
    Problem.UNREACHABLE: (
        "file_download_error",
        "Failed to download the file. Please check if the URL is accessible and try again.",
    ),
    Problem.TOO_LARGE: ("file_too_large", "File size exceeds the maximum allowed size."),
    Problem.TOO_MANY_PIXELS: ("image_too_large", "Image dimensions exceed the maximum allowed."),
}
_LIMIT_CTX = {Problem.TOO_LARGE: "max_size", Problem.TOO_MANY_PIXELS: "max_pixels"}
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
    inputs: list[InputImage] = field(default_factory=list)


def image_fields(body: dict[str, Any]) -> list[tuple[str, int, str]]:
    """The ``(field, index, value)`` of each image in ``image_url`` / ``image_urls``."""
    found: list[tuple[str, int, str]] = []
    if isinstance(body.get("image_url"), str):
        found.append(("image_url", 0, body["image_url"]))
    urls = body.get("image_urls")
    if isinstance(urls, list):
        found += [("image_urls", i, url) for i, url in enumerate(urls) if isinstance(url, str)]
    return found


def max_inputs(app_id: str) -> int:
    """How many ``image_urls`` an ``/edit`` app takes."""
    return 4 if "klein" in app_id else 8


def family(app_id: str) -> str:
    """``ultra``, ``flux2``, ``kontext`` or ``flux1``."""
    if "ultra" in app_id:
        return "ultra"
    if app_id.startswith("fal-ai/flux-2"):
        return "flux2"
    if "kontext" in app_id:
        return "kontext"
    return "flux1"


def check(
    app_id: str, body: dict[str, Any], taken: list[Taken] | None = None, *, strict: bool = False
) -> Checked:
    """The app's input schema over ``body``; ``taken``: its input images, read."""
    c = Checker(body)
    taken = taken or []
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
    edit = kind == "flux2" and app_id.endswith("/edit")
    takes = {"ultra": {"image_url"}, "kontext": {"image_url"}}.get(kind, set())
    if edit:
        takes = {"image_urls"}
    if kind == "ultra":
        c.string("image_url")
        ratio = c.choice("aspect_ratio", ULTRA_RATIOS) or "16:9"
        out.width, out.height = aspect_size(ratio, ULTRA_PIXELS) or (1024, 576)
        known = _ULTRA
    elif kind == "kontext":
        c.string("image_url", required=True)
        ratio = c.string("aspect_ratio") or "1:1"
        out.width, out.height = aspect_size(ratio, 1024 * 1024) or (1024, 1024)
        known = _KONTEXT
    elif kind == "flux2":
        urls = _image_urls(c, app_id) if edit else []
        first = next((t for t in taken if isinstance(t, InputImage)), None) if urls else None
        out.width, out.height = _image_size(c, "auto" if edit else "landscape_4_3", first, True)
        known = _FLUX2 | takes
    elif app_id.endswith("/image-to-image"):  # FLUX.1 image-to-image: at the input's size
        takes = {"image_url"}
        c.string("image_url", required=True)
        c.number("strength", ge=0.01, le=1)
        first = next((t for t in taken if isinstance(t, InputImage)), None)
        out.width, out.height = first.size if first is not None else IMAGE_SIZES["square_hd"]
        known = _FLUX1 | {"image_url", "strength"}
    else:
        out.width, out.height = _image_size(c, "landscape_4_3", None, False)
        known = _FLUX1
    for name in ("image_url", "image_urls"):
        if body.get(name) is not None and name not in takes:
            c.error(
                name,
                "feature_not_supported",
                f"{app_id} takes no input images: {name} is not supported",
                [str(url)[:64] for url in body[name]]
                if isinstance(body[name], list)
                else str(body[name])[:64],
            )
    for item in taken:
        if isinstance(item, Refusal) and item.field in takes:
            _refuse(c, item)
    out.inputs = [t for t in taken if isinstance(t, InputImage) and t.field in takes]
    out.ignored = [
        name
        for name in body
        if name not in _COMMON | known and name not in ("image_url", "image_urls")
    ]
    if strict:
        for name in out.ignored:
            c.error(name, "extra_forbidden", "Extra inputs are not permitted", body[name])
    out.errors = c.errors
    return out


def _refuse(c: Checker, item: Refusal) -> None:
    type_, msg = _PROBLEMS[item.problem]
    ctx = {_LIMIT_CTX[item.problem]: item.limit} if item.problem in _LIMIT_CTX else {}
    loc = [*c.loc, item.field] + ([item.index] if item.field == "image_urls" else [])
    error: dict[str, Any] = {"type": type_, "loc": loc, "msg": msg, "input": item.detail}
    if ctx:
        error["ctx"] = ctx
    c.errors.append(error)


def _image_urls(c: Checker, app_id: str) -> list[str]:
    value = c.body.get("image_urls")
    if value is None:
        c.error("image_urls", "missing", "Field required", c.body)
        return []
    if not isinstance(value, list) or not all(isinstance(url, str) for url in value):
        c.error("image_urls", "list_type", "Input should be a valid list of strings", value)
        return []
    if not value:
        c.error(
            "image_urls", "too_short", "List should have at least 1 item after validation", value
        )
    most = max_inputs(app_id)
    if len(value) > most:
        c.error(
            "image_urls",
            "too_long",
            f"List should have at most {most} items after validation, not {len(value)}",
            len(value),
            field_type="List",
            max_length=most,
            actual_length=len(value),
        )
    return value


def _image_size(c: Checker, default: str, first: InputImage | None, auto: bool) -> tuple[int, int]:
    """The requested size; ``auto`` (FLUX.2 apps) is ``first``'s size, else 1024x1024."""
    value = c.body.get("image_size", default)
    if isinstance(value, dict):
        sides = Checker(value, loc=("body", "image_size"))
        width = sides.integer("width", ge=1, le=14142, required=True)
        height = sides.integer("height", ge=1, le=14142, required=True)
        c.errors.extend(sides.errors)
        return (width or 1024, height or 768)
    if isinstance(value, str) and value in IMAGE_SIZES:
        return IMAGE_SIZES[value]
    if value == "auto" and auto:
        return first.size if first is not None else AUTO_SIZE
    c.choice("image_size", tuple(IMAGE_SIZES) + (("auto",) if auto else ()))
    return IMAGE_SIZES["landscape_4_3"]
