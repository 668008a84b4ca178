"""OpenAI-compatible image edits: ``POST {base}/v1/images/edits`` (providers.md section 6).

A multipart form: ``model``, ``prompt``, ``image`` (one file) or ``image[]`` (several), an
optional ``mask`` (a file of the first image's size), ``n``, ``size``, ``response_format`` and
the other fields generations take (:func:`fluxtui.sim.routes_openai.validate`). The answer is
the same as generations'. Without a size, the result has the first image's size (multiples of
16, at most 4 MP).

APIYI edits with FLUX.2 and Kontext (at most 8 images; klein and Kontext 4); another of its
models takes none (400). A generic gateway takes any model, at most 16 images. Errors are
OpenAI's error object, 400: a missing image, an image sent as text (``invalid_type``), not an
image (``invalid_image_format``), too large, too many, a mask of another size.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fluxtui.sim import auth, multipart
from fluxtui.sim.context import Sim
from fluxtui.sim.faults import DropConnection
from fluxtui.sim.inputs import InputImage, Problem, Refusal, examine
from fluxtui.sim.intake import Submission, intake, read_body
from fluxtui.sim.routes_openai import (
    APIYI_MODELS,
    OpenAIDialect,
    answer,
    error,
    unknown_model,
    validate,
    with_request_id,
)
from fluxtui.sim.validation import FOUR_MP

#: The models APIYI edits with (its FLUX.1 models take no image here).
APIYI_EDIT_MODELS = (
    *(model for model in APIYI_MODELS if model.startswith("flux-2-")),
    "flux-kontext-pro",
    "flux-kontext-max",
)
#: The fields that carry files.
IMAGE_FIELDS = ("image", "image[]")
#: Images a generic gateway takes at most.
GENERIC_MAX_IMAGES = 16
_BOOLEANS = ("prompt_upsampling",)


def max_images(service: str, model: str) -> int:
    if service != "apiyi":
        return GENERIC_MAX_IMAGES
    return 4 if "klein" in model or "kontext" in model else 8


def _form_body(parts: list[multipart.Part]) -> dict[str, Any]:
    """The text fields, as JSON would carry them (booleans as booleans)."""
    body: dict[str, Any] = {}
    for part in parts:
        if part.is_file or part.name in (*IMAGE_FIELDS, "mask"):
            continue
        value: Any = part.data.decode("utf-8", "replace")
        if part.name in _BOOLEANS and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        body[part.name] = value
    return body


def _size(first: InputImage) -> tuple[int, int]:
    scale = min(1.0, math.sqrt(FOUR_MP / first.pixels), 2048 / max(first.size))
    width, height = (max(64, int(side * scale) // 16 * 16) for side in first.size)
    return width, height


def _refusal(item: Refusal, param: str) -> Response:
    code = "invalid_image_format" if item.problem is Problem.NOT_AN_IMAGE else "invalid_value"
    return error(400, f"Invalid image file '{param}': {item.detail}.", param=param, code=code)


def routes(sim: Sim) -> list[Route]:
    dialect = OpenAIDialect()

    async def files(parts: list[multipart.Part]) -> list[InputImage] | Response:
        """The images and mask of the form, checked, in the order sent."""
        images: list[InputImage] = []
        counts = {"image": 0, "image[]": 0, "mask": 0}
        for part in parts:
            if part.name not in counts:
                continue
            index = counts[part.name]
            counts[part.name] += 1
            param = f"{part.name.removesuffix('[]')}[{index}]" if part.name != "mask" else "mask"
            if not part.is_file:
                return error(
                    400,
                    f"Invalid type for '{param}': expected a file, but got a string instead.",
                    param=param,
                    code="invalid_type",
                )
            taken = await run_in_threadpool(
                examine, sim.config, part.name, index, "multipart", part.data
            )
            if isinstance(taken, Refusal):
                return _refusal(taken, param)
            images.append(dataclasses.replace(taken, file_name=part.filename))
        return images

    async def edits(request: Request, service: str) -> Response | DropConnection:
        refusal = auth.check(service, request.headers, sim.config.required_keys)
        if refusal is not None:  # credentials first, as intake's order has it
            return dialect.refusal(refusal)
        raw = await read_body(sim, request)
        if raw is None:
            return dialect.fault(413)
        try:
            parts = multipart.parse(raw, request.headers.get("content-type", ""))
        except multipart.MultipartError as exc:
            return error(400, f"Invalid multipart form: {exc}.", code="invalid_request_error")
        taken = await intake(sim, request, service, dialect, form=_form_body(parts))
        if not isinstance(taken, Submission):
            return taken
        found = await files(parts)
        if isinstance(found, Response):
            return found
        return await _edit(service, taken, found)

    async def _edit(
        service: str, taken: Submission, found: list[InputImage]
    ) -> Response | DropConnection:
        errors, values = validate(service, taken.body, taken.directives.strict)
        if errors:
            return dialect.invalid(errors)
        model = values["model"]
        if service == "apiyi" and model not in APIYI_EDIT_MODELS:
            refused = unknown_model(service, model)
            if refused is not None:
                return refused
            message = f"The model '{model}' does not support image edits."
            return error(400, message, param="model", code="invalid_value")
        images = [image for image in found if image.field != "mask"]
        mask = next((image for image in found if image.field == "mask"), None)
        if not images:
            message = "Missing required parameter: 'image'."
            return error(400, message, param="image", code="missing_required_parameter")
        most = max_images(service, model)
        if len(images) > most:
            message = f"Too many images: {model} takes at most {most}, got {len(images)}."
            return error(400, message, param="image", code="invalid_value")
        if mask is not None and mask.size != images[0].size:
            message = (
                "The mask must have the same dimensions as the image: "
                f"{images[0].width}x{images[0].height}, got {mask.width}x{mask.height}."
            )
            return error(400, message, param="mask", code="invalid_value")
        if not any(taken.body.get(name) is not None for name in ("size", "width", "height")):
            values["width"], values["height"] = _size(images[0])
        received = dict(taken.body)
        for image in found:
            if image.field == "image[]":
                received.setdefault("image[]", []).append(image.placeholder())
            else:
                received[image.field] = image.placeholder()
        kept = images + ([mask] if mask is not None else [])
        return await answer(sim, service, taken, values, received, kept)

    def endpoint(service: str) -> Route:
        async def handle(request: Request) -> Response | DropConnection:
            return with_request_id(await edits(request, service))

        return Route(f"{sim.urls.mount(service)}/v1/images/edits", handle, methods=["POST"])

    return [endpoint(service) for service in ("apiyi", "openai") if service in sim.urls.services]
