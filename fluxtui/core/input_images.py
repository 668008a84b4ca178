"""Images a request takes as inputs (an image to edit, references, a Fill mask), as plain data.

An `InputImage` is resolved before the request is made (`input_resolve`): a local file, read and
checked once, is kept by its path with its SHA-256, size, format and sides; a URL is kept as it
is (the provider fetches it). A library job reference keeps the job it came from (`parent_job`,
and which of its images, `parent_index`): that is the job's lineage. Bytes are never kept in a
request (requests are stored): adapters read them at submit time with `read_bytes`, which refuses
a file that changed since it was checked (`Unreadable`; the adapter makes it an INVALID error,
nothing sent). The path itself never leaves the machine: a provider
gets the bytes (base64, a data URI, a multipart part or an upload), never the path.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from fluxtui.core.text import inert

InputRole = Literal["image", "mask"]
#: the formats an input may be in (what every provider that takes inputs reads), by MIME type
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


class Unreadable(ValueError):
    """An input's file is gone, unreadable or changed since it was checked; says which."""


@dataclass(frozen=True)
class InputImage:
    """One input of a request: a local file (`path`, checked) or a `url`, as its `role`."""

    source: str  # what the user gave: a path, a URL or a job reference ("1a2b3c4d:2")
    role: InputRole = "image"
    path: str | None = None  # the absolute local file read (a re-encoded copy when `reencoded`)
    url: str | None = None
    sha256: str | None = None  # of the bytes sent (local files only)
    size: int | None = None  # bytes
    content_type: str | None = None  # image/png, image/jpeg, image/webp
    width: int | None = None
    height: int | None = None
    parent_job: str | None = None  # the library job it came from
    parent_index: int | None = None  # which of that job's images (1-based)
    reencoded: bool = False  # scaled down to the provider's limit (`--downscale-inputs`)

    @property
    def name(self) -> str:
        """How messages name it: the file's name, the URL, or the job reference; inert."""
        if self.parent_job is not None:
            return inert(self.source)
        if self.path is not None and not self.reencoded:
            return inert(Path(self.path).name)
        return inert(self.source)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None and v is not False}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InputImage:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})

    def lineage(self) -> dict[str, Any]:
        """What the job's provenance and `history --json` say about this input: where it came
        from (path or URL, and the parent job), its SHA-256 and size; never its bytes."""
        keys = ("role", "source", "path", "url", "sha256", "size", "parent_job", "parent_index")
        data = {k: v for k, v in self.to_dict().items() if k in keys}
        if self.reencoded:
            data["reencoded"] = True
        return data

    def read_bytes(self) -> bytes:
        """The bytes to send: the file as it was checked; `Unreadable` when it is gone or
        changed since."""
        if self.path is None:
            raise Unreadable(f"input {self.name} is a URL: it has no bytes to send")
        try:
            data = Path(self.path).read_bytes()
        except OSError as exc:
            raise Unreadable(f"cannot read input {self.name}: {exc.strerror}") from None
        if self.sha256 is not None and hashlib.sha256(data).hexdigest() != self.sha256:
            raise Unreadable(f"input {self.name} changed since it was checked: give it again")
        return data

    def base64(self) -> str:
        """The bytes as plain base64 (BFL's `input_image`, `image_prompt`, `image`, `mask`)."""
        return base64.b64encode(self.read_bytes()).decode("ascii")

    def data_uri(self) -> str:
        """The bytes as a `data:` URI (fal's `image_url`/`image_urls`)."""
        return f"data:{self.content_type or 'image/png'};base64,{self.base64()}"

    def wire_value(self) -> str:
        """A URL as it is, else the bytes in base64 (the BFL form, which takes either)."""
        return self.url if self.url is not None else self.base64()


def images(inputs: tuple[InputImage, ...]) -> tuple[InputImage, ...]:
    """The inputs that are images (not the mask), in order."""
    return tuple(i for i in inputs if i.role == "image")


def mask(inputs: tuple[InputImage, ...]) -> InputImage | None:
    return next((i for i in inputs if i.role == "mask"), None)
