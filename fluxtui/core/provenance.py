"""Provenance written into image files without re-encoding them.

PNG gets an `iTXt` chunk right after `IHDR`; JPEG a `COM` segment after its `APPn` segments. Every
other byte of the file stays as the provider sent it. WebP and anything else is left untouched (the
store still holds the provenance).
"""

from __future__ import annotations

import json
import struct
import time
import zlib
from typing import Any

from fluxtui import __version__
from fluxtui.core.models import Job, JobSnapshot
from fluxtui.core.redaction import redact

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"fluxtui"
JPEG_COMMENT_PREFIX = b"fluxtui "
_JPEG_SEGMENT_MAX = 65533  # a segment's payload, after its 2-byte length


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
    }


def sniff_format(data: bytes) -> str | None:
    """"png", "jpeg" or "webp" from the magic bytes, else None."""
    if data.startswith(PNG_SIGNATURE):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def embed(data: bytes, provenance: dict[str, Any]) -> bytes:
    """`data` with `provenance` written into it where the format allows; otherwise unchanged."""
    fmt = sniff_format(data)
    if fmt == "png":
        return _embed_png(data, json.dumps(provenance, ensure_ascii=False))
    if fmt == "jpeg":
        return _embed_jpeg(data, _fit_jpeg_comment(provenance))
    return data


def read(data: bytes) -> dict[str, Any] | None:
    """The provenance `embed` wrote, or None."""
    fmt = sniff_format(data)
    text = _read_png(data) if fmt == "png" else _read_jpeg(data) if fmt == "jpeg" else None
    return json.loads(text) if text else None


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _embed_png(data: bytes, text: str) -> bytes:
    # iTXt: keyword, NUL, compression flag, compression method, language tag NUL, keyword NUL, text
    body = PNG_KEYWORD + b"\x00\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8")
    ihdr_end = len(PNG_SIGNATURE) + 8 + struct.unpack(">I", data[8:12])[0] + 4
    return data[:ihdr_end] + _png_chunk(b"iTXt", body) + data[ihdr_end:]


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
    """The JSON for a COM segment; a very long prompt is shortened to fit its 64 KiB."""
    room = _JPEG_SEGMENT_MAX - len(JPEG_COMMENT_PREFIX)
    text = json.dumps(provenance, ensure_ascii=False).encode("utf-8")
    prompt = str(provenance.get("prompt", "")).encode("utf-8")
    budget = len(prompt)
    while len(text) > room:
        budget -= len(text) - room + 64  # the 64 leaves room for the ellipsis and the flag
        shortened = prompt[: max(0, budget)].decode("utf-8", "ignore") + "…"
        text = json.dumps(
            {**provenance, "prompt": shortened, "prompt_truncated": True}, ensure_ascii=False
        ).encode("utf-8")
    return JPEG_COMMENT_PREFIX + text


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


def _embed_jpeg(data: bytes, comment: bytes) -> bytes:
    insert_at = 2
    for marker, _start, end in _jpeg_segments(data):
        if 0xE0 <= marker <= 0xEF:  # keep JFIF/EXIF APPn segments first
            insert_at = end
        else:
            break
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return data[:insert_at] + segment + data[insert_at:]


def _read_jpeg(data: bytes) -> str | None:
    for marker, start, end in _jpeg_segments(data):
        body = data[start + 4 : end]
        if marker == 0xFE and body.startswith(JPEG_COMMENT_PREFIX):
            return body[len(JPEG_COMMENT_PREFIX) :].decode("utf-8")
    return None
