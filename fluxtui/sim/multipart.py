"""A ``multipart/form-data`` body split into its text fields and files (RFC 7578), exactly:
the bytes of a file part are what the client sent, not re-encoded. A form without files
(``application/x-www-form-urlencoded``) is read too, as text fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import parse_qsl


class MultipartError(ValueError):
    """A body that is not the multipart form its Content-Type says."""


@dataclass(frozen=True)
class Part:
    name: str
    data: bytes = field(repr=False)
    filename: str | None = None  # a file part has one (possibly "")
    content_type: str | None = None

    @property
    def is_file(self) -> bool:
        return self.filename is not None


def boundary(content_type: str) -> str | None:
    """The boundary of a ``multipart/form-data`` Content-Type, else None."""
    message = Message()
    message["content-type"] = content_type
    if message.get_content_type() != "multipart/form-data":
        return None
    value = message.get_param("boundary")
    return value if isinstance(value, str) and value else None


def parse(body: bytes, content_type: str) -> list[Part]:
    """The parts of ``body``, in order."""
    if content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
        fields = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        return [Part(name, value.encode()) for name, value in fields]
    mark = boundary(content_type)
    if mark is None:
        raise MultipartError("the Content-Type is not multipart/form-data with a boundary")
    delimiter = b"--" + mark.encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise MultipartError("the body does not end with the closing boundary")
    parts = []
    for chunk in chunks[1:-1]:
        if not chunk.startswith(b"\r\n") or not chunk.endswith(b"\r\n"):
            raise MultipartError("a part is not framed by CRLF")
        head, sep, data = chunk[2:-2].partition(b"\r\n\r\n")
        if not sep:
            raise MultipartError("a part has no blank line after its headers")
        parts.append(_part(head.decode("utf-8", "replace"), data))
    return parts


def _part(head: str, data: bytes) -> Part:
    message = Message()
    for line in head.split("\r\n"):
        header, sep, value = line.partition(":")
        if sep:
            message[header.strip()] = value.strip()
    name = message.get_param("name", header="content-disposition")
    if not isinstance(name, str):
        raise MultipartError("a part has no Content-Disposition name")
    filename = message.get_param("filename", header="content-disposition")
    return Part(
        name,
        data,
        filename if isinstance(filename, str) else None,
        message.get("content-type"),
    )
