"""APIYI and any OpenAI-compatible gateway: the OpenAI Images API, answered synchronously.

The base URL is what the official OpenAI SDK takes (it ends in /v1): the submit is
`POST {base}/images/generations` and its answer carries the images, so `submit()` returns a Handle
whose `result` is set and there is nothing to poll. A request with input images goes to
`POST {base}/images/edits` instead, as a multipart form (`edit_form`): the same fields as text,
the images as files (`image`, several as `image[]`) and the mask (`mask`); same answer.
`data[]` items hold a `url` or `b64_json`; base64 becomes a `data:` URL (so such a result is large
in the job store).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncGenerator, Mapping
from typing import Any, ClassVar

import httpx

from fluxtui.core import catalog
from fluxtui.core.errors import ProviderError
from fluxtui.core.input_images import InputImage, images, mask
from fluxtui.core.inputs import shown
from fluxtui.core.model_spec import ModelSpec
from fluxtui.core.models import ErrorKind, GenerationRequest, JobState, StatusUpdate
from fluxtui.core.providers import wire
from fluxtui.core.providers.answers import is_moderation, parse_http_error, request_id_of, show_json
from fluxtui.core.providers.base import Pace, Provider
from fluxtui.core.providers.bfl_fields import UPSAMPLING_FIELDS
from fluxtui.core.results import Handle, ImageRef, ProviderResult

#: extra fields that say how big the image is: when given, fluxtui sends no `size` of its own
WIRE_SIZE_FIELDS = frozenset({"size", "width", "height"})
IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


class OpenAIImagesProvider(Provider):
    """settings.protocol "openai": APIYI (its model table) or any other gateway (lenient models)."""

    state_while_submitting = JobState.RUNNING
    renames: ClassVar[Mapping[str, str]] = {"num_images": "n"}
    #: seconds to wait for the answer to the paid POST: hanging up early loses the image, not the
    #: bill
    read_timeout: ClassVar[float] = 300.0

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key()}"}

    def build_body(self, request: GenerationRequest) -> dict[str, Any]:
        """model, prompt, `size` "WxH" (unless extra gives size or width/height, which then go
        verbatim), the other params under their OpenAI names (num_images -> n), then extra.

        APIYI takes `prompt_upsampling` for every model but klein; for the FLUX.2 models whose
        default differs between APIYI's page and BFL's, it is always sent (the model's default
        when not given), so that the service does what the form showed."""
        params = catalog.given(request.params)
        spec = self.model_spec(request.model)
        default = spec.prompt_upsampling_default
        if spec.known and spec.id in UPSAMPLING_FIELDS and default is not None:
            params.setdefault("prompt_upsampling", default)
        body: dict[str, Any] = {"model": request.model, "prompt": request.prompt}
        if not WIRE_SIZE_FIELDS & request.extra.keys():
            size = catalog.resolve_size(spec, params)
            if "width" in size and "height" in size:
                body["size"] = f"{size['width']}x{size['height']}"
            else:  # an unknown model's aspect_ratio, as given
                body.update(size)
        body.update(
            {self.renames.get(k, k): v for k, v in params.items() if k not in wire.SIZE_FIELDS}
        )
        body.update(request.extra)
        return body

    def edit_form(
        self, body: Mapping[str, Any], inputs: tuple[InputImage, ...]
    ) -> tuple[dict[str, str], list[tuple[str, tuple[str, bytes, str]]]]:
        """The edits endpoint's multipart form: `body`'s fields as text (JSON for a list or an
        object, true/false for a bool), then the files; a file is named by its place, never by
        its path ("image-1.png")."""
        data = {k: _form_text(v) for k, v in body.items() if v is not None}
        pictures, the_mask = images(inputs), mask(inputs)
        field = "image" if len(pictures) == 1 else "image[]"
        files = [(field, self._file(f"image-{n}", image)) for n, image in enumerate(pictures, 1)]
        if the_mask is not None:
            files.append(("mask", self._file("mask", the_mask)))
        return data, files

    def _file(self, name: str, image: InputImage) -> tuple[str, bytes, str]:
        content_type = image.content_type or "image/png"
        extension = content_type.split("/")[-1].replace("jpeg", "jpg")
        return f"{name}.{extension}", self.input_as(image, InputImage.read_bytes), content_type

    @classmethod
    def wire_problems(cls, spec: ModelSpec, extra: Mapping[str, Any]) -> list[str]:
        """The renamed params (n), then the size: `size` "WxH" or width and height, not both."""
        problems = [
            *wire.renamed_field_problems(spec, extra, cls.renames),
            *wire.side_problems(spec, extra),
        ]
        size = extra.get("size")
        if size is None:
            return problems
        if extra.get("width") is not None or extra.get("height") is not None:
            problems.append("give size or width and height, not both")
        dims = catalog.parse_wxh(size)
        if dims is None:
            problems.append(f"size {shown(size)} is not WIDTHxHEIGHT like 1024x768")
        else:
            problems.extend(catalog.pair_problems(spec, *dims, prefix=f"size {size}: "))
        return problems

    async def submit(self, request: GenerationRequest) -> Handle:
        body = self.build_body(request)
        root = self.settings.base_url.rstrip("/")
        if request.inputs:
            data, files = self.edit_form(body, request.inputs)
            response = await self.send(
                "POST", f"{root}/images/edits", data=data, files=files, timeout=self._timeout()
            )
        else:
            url = f"{root}/images/generations"
            response = await self.send("POST", url, json=body, timeout=self._timeout())
        if not response.is_success:
            raise self._error(response)
        data = self.read_json(response)
        if isinstance(data, Mapping) and data.get("error") and not data.get("data"):
            raise self._error(response)  # a gateway that reports a failure with 200
        request_id = request_id_of(response.headers)
        result = parse_images(self.label, data, body.get("seed"), request_id)
        return Handle(provider=self.name, request_id=request_id, result=result)

    async def wait(
        self, handle: Handle, pace: Pace, *, stream: bool = True
    ) -> AsyncGenerator[StatusUpdate, None]:
        """Nothing to follow: the submit's answer carried the images."""
        yield StatusUpdate(JobState.DOWNLOADING, "inline", result=handle.result)

    def _error(self, response: httpx.Response) -> ProviderError:
        status, headers, text = response.status_code, response.headers, response.text
        return parse_error(self.label, status, headers, text, self.key_hint)

    def _timeout(self) -> httpx.Timeout:
        """The client's timeouts, with a read timeout of at least `read_timeout`."""
        base = self.client.timeout
        read = None if base.read is None else max(base.read, self.read_timeout)
        return httpx.Timeout(connect=base.connect, read=read, write=base.write, pool=base.pool)


def parse_images(
    label: str, data: Any, seed: Any = None, request_id: str | None = None
) -> ProviderResult:
    """`{"created", "data": [{"url" | "b64_json", "revised_prompt"?}]}` as a ProviderResult.

    The API reports no seed: the one that was sent (if any) is the result's seed."""
    items = data.get("data") if isinstance(data, Mapping) else None
    if not isinstance(items, list) or not items:
        raise _bad(f"{label} answered without images: {show_json(data)}", request_id)
    images = []
    for item in items:
        url = item.get("url") if isinstance(item, Mapping) else None
        b64 = item.get("b64_json") if isinstance(item, Mapping) else None
        if isinstance(url, str) and url:
            images.append(ImageRef(url=url))
        elif isinstance(b64, str) and b64:
            images.append(image_from_base64(label, b64, request_id))
        else:
            message = f"{label} sent an image with neither url nor b64_json: {show_json(item)}"
            raise _bad(message, request_id)
    details: dict[str, Any] = {}
    if isinstance(data.get("created"), int):
        details["created"] = data["created"]
    revised = items[0].get("revised_prompt")
    if isinstance(revised, str) and revised:
        details["revised_prompt"] = revised
    reported = items[0].get("seed", data.get("seed"))
    seed = reported if _is_int(reported) else seed if _is_int(seed) else None
    return ProviderResult(images=tuple(images), seed=seed, details=details)


def image_from_base64(label: str, b64: str, request_id: str | None = None) -> ImageRef:
    """A `data:` URL ImageRef, typed by the image's magic bytes (PNG, JPEG, WebP, GIF)."""
    if b64.startswith("data:"):
        content_type = b64[5:].split(";", 1)[0] or None
        return ImageRef(url=b64, content_type=content_type)
    compact = "".join(b64.split())
    try:
        head = base64.b64decode(compact, validate=True)[:16]
    except (binascii.Error, ValueError) as exc:
        raise _bad(f"{label} sent b64_json that is not base64", request_id) from exc
    content_type = sniff_image_type(head)
    return ImageRef(url=f"data:{content_type};base64,{compact}", content_type=content_type)


def sniff_image_type(head: bytes) -> str:
    """The MIME type of image bytes from their first bytes; application/octet-stream if unknown."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    found = (mime for magic, mime in IMAGE_MAGIC if head.startswith(magic))
    return next(found, "application/octet-stream")


def parse_error(
    label: str, status: int, headers: Mapping[str, str], text: str, key_hint: str | None = None
) -> ProviderError:
    """An OpenAI-style error `{"error": {"message", "type", "param", "code"}}`, with the request id
    from `x-request-id`; a content-policy refusal is MODERATED."""
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    moderated = is_moderation(body)
    kind = ErrorKind.MODERATED if moderated else None
    return parse_http_error(label, status, headers, text, kind, key_hint)


def _form_text(value: Any) -> str:
    """A body value as a multipart form's text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bad(message: str, request_id: str | None) -> ProviderError:
    suffix = f" (request id {request_id})" if request_id else ""
    return ProviderError(ErrorKind.BAD_RESPONSE, message + suffix, request_id=request_id)
