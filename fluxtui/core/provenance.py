"""Provenance written into image files without re-encoding them.

PNG gets an `iTXt` chunk right after `IHDR`; JPEG a `COM` segment after its `APPn` segments; WebP
an XMP packet in its RIFF container (`webp_meta`). Every other byte of the image data stays as the
provider sent it. Anything else is left untouched (the store still holds the provenance).

A `COM` segment holds at most 65,533 bytes. A record too long for one (a huge prompt or parameter
value) is written with its longest strings shortened, their places listed under `"shortened"`:
one self-contained JSON document that any JPEG tool shows, while the store and the export
sidecars keep the record whole.
"""

from __future__ import annotations

import io
import json
import shutil
import struct
import time
import zlib
from typing import Any, BinaryIO

from fluxtui import __version__
from fluxtui.core import webp_meta
from fluxtui.core.input_images import InputImage
from fluxtui.core.models import Job, JobSnapshot
from fluxtui.core.redaction import redact

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"fluxtui"
JPEG_COMMENT_PREFIX = b"fluxtui "
_JPEG_SEGMENT_MAX = 65533  # a segment's payload, after its 2-byte length
_ELLIPSIS = "…"
SHORTENED_NOTE = "values listed in 'shortened' were cut to fit the file; the store has them whole"


def record(job: Job | JobSnapshot) -> dict[str, Any]:
    """What fluxtui writes about a job into its image files and export sidecars."""
    request = job.request
    return {
        "generator": f"fluxtui {__version__}",
        "job_id": job.id,
        "provider": request.provider,
        "model": request.model,
        "prompt": request.prompt,
        "seed": job.seed,
        "params": redact(request.params),
        "extra": redact(request.extra),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(job.created_at)),
        "timings": job.timings(),
        **({"inputs": [_input(image) for image in request.inputs]} if request.inputs else {}),
    }


def _input(image: InputImage) -> dict[str, Any]:
    """An input as the file's provenance names it: as given (the path as typed, or the URL),
    its SHA-256, size and parent job; not the absolute path it was read from."""
    return {k: v for k, v in image.lineage().items() if k != "path"}


def sniff_format(data: bytes) -> str | None:
    """ "png", "jpeg" or "webp" from the magic bytes, else None."""
    if data.startswith(PNG_SIGNATURE):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def embed(data: bytes, provenance: dict[str, Any]) -> bytes:
    """`data` with `provenance` written into it where the format allows; otherwise unchanged."""
    out = io.BytesIO()
    stamp(io.BytesIO(data), out, provenance)
    return out.getvalue()


def stamp(source: BinaryIO, target: BinaryIO, provenance: dict[str, Any]) -> None:
    """Copy the image in `source` to `target` with `provenance` written in, streaming the rest."""
    fmt = sniff_format(source.read(12))
    source.seek(0)
    if fmt == "png":
        offset = _png_insert_offset(source)
        insert = _png_chunk(b"iTXt", _png_text(json.dumps(provenance, ensure_ascii=False)))
    elif fmt == "jpeg":
        offset = _jpeg_insert_offset(source)
        insert = _jpeg_comment_segment(_fit_jpeg_comment(provenance))
    elif fmt == "webp":
        webp_meta.stamp(source, target, provenance)
        return
    else:
        offset, insert = 0, b""
    source.seek(0)
    target.write(source.read(offset))
    target.write(insert)
    shutil.copyfileobj(source, target)


def read(data: bytes) -> dict[str, Any] | None:
    """The provenance `embed` wrote, or None."""
    readers = {"png": _read_png, "jpeg": _read_jpeg, "webp": webp_meta.read}
    reader = readers.get(sniff_format(data) or "")
    text = reader(data) if reader else None
    return json.loads(text) if text else None


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_text(text: str) -> bytes:
    # iTXt: keyword, NUL, compression flag, compression method, language tag NUL, keyword NUL, text
    return PNG_KEYWORD + b"\x00\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8")


def _png_insert_offset(source: BinaryIO) -> int:
    """Where IHDR ends: the signature, IHDR's length, type, body and CRC."""
    source.seek(len(PNG_SIGNATURE))
    (length,) = struct.unpack(">I", source.read(4))
    return len(PNG_SIGNATURE) + 8 + int(length) + 4


def _read_png(data: bytes) -> str | None:
    pos = len(PNG_SIGNATURE)
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"iTXt" and body.startswith(PNG_KEYWORD + b"\x00"):
            keyword_end = len(PNG_KEYWORD) + 1 + 2
            lang_end = body.index(b"\x00", keyword_end)
            translated_end = body.index(b"\x00", lang_end + 1)
            return body[translated_end + 1 :].decode("utf-8")
        if kind == b"IEND":
            return None
        pos += 12 + length
    return None


def _fit_jpeg_comment(provenance: dict[str, Any]) -> bytes:
    """The payload of the COM segment: the record's JSON, shortened to fit if need be."""
    room = _JPEG_SEGMENT_MAX - len(JPEG_COMMENT_PREFIX)
    text = _json_bytes(provenance)
    if len(text) > room:
        text = _shortened_json(provenance, room)
    return JPEG_COMMENT_PREFIX + text


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def _shortened_json(provenance: dict[str, Any], room: int) -> bytes:
    """The record with every string longer than a cap cut to it, at the largest cap that fits
    in `room` bytes: found by bisection, so a few dozen encodings however long the values.
    When nothing fits (thousands of long values), the record's identifying fields alone."""
    best = _json_bytes(_minimal(provenance))
    low, high = 0, _longest_string(provenance)
    while low <= high:
        cap = (low + high) // 2
        shortened: list[str] = []
        record = _shorten(provenance, cap, "", shortened)
        text = _json_bytes({**record, "shortened": shortened, "note": SHORTENED_NOTE})
        if len(text) <= room:
            best, low = text, cap + 1
        else:
            high = cap - 1
    return best


def _shorten(value: Any, cap: int, where: str, shortened: list[str]) -> Any:
    """`value` with every string longer than `cap` cut to it; their places go into `shortened`."""
    if isinstance(value, str):
        if len(value) <= cap:
            return value
        shortened.append(where)
        return value[:cap] + _ELLIPSIS
    if isinstance(value, dict):
        return {
            key: _shorten(item, cap, f"{where}.{key}" if where else str(key), shortened)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_shorten(item, cap, f"{where}[{i}]", shortened) for i, item in enumerate(value)]
    return value


def _longest_string(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return max((_longest_string(item) for item in value), default=0)
    return 0


def _minimal(provenance: dict[str, Any]) -> dict[str, Any]:
    keep = ("generator", "job_id", "provider", "model", "seed", "created_at", "width", "height")
    record = {key: provenance[key] for key in keep if key in provenance}
    return {**_shorten(record, 200, "", []), "shortened": ["*"], "note": SHORTENED_NOTE}


def _jpeg_comment_segment(comment: bytes) -> bytes:
    return b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment


def _jpeg_insert_offset(source: BinaryIO) -> int:
    """Where the APPn segments (JFIF, EXIF, ICC, XMP) after SOI end: they stay first."""
    offset = 2
    while True:
        source.seek(offset)
        header = source.read(4)
        if len(header) < 4 or header[0] != 0xFF or not 0xE0 <= header[1] <= 0xEF:
            return offset
        offset += 2 + struct.unpack(">H", header[2:])[0]


def _jpeg_segments(data: bytes) -> list[tuple[int, int, int]]:
    """(marker, start, end) of each segment before the image data, after SOI."""
    segments = []
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: compressed data follows
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        segments.append((marker, pos, pos + 2 + length))
        pos += 2 + length
    return segments


def _read_jpeg(data: bytes) -> str | None:
    for marker, start, end in _jpeg_segments(data):
        body = data[start + 4 : end]
        if marker == 0xFE and body.startswith(JPEG_COMMENT_PREFIX):
            return body[len(JPEG_COMMENT_PREFIX) :].decode("utf-8")
    return None
