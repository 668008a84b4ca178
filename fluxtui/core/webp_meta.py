"""Provenance in a WebP file: an XMP packet in the RIFF container, the image data left as it came.

A WebP file is `RIFF <size> WEBP` then chunks (`FourCC`, little-endian size, payload, a pad byte
to an even length). Metadata lives in the extended form: a `VP8X` chunk first (flags, canvas
size), the image chunks, then `XMP `. A simple file (`VP8 ` or `VP8L` alone) gets a `VP8X` in
front, its canvas size and alpha flag read from the image chunk's header; a file that already
holds an `XMP ` chunk (the provider's) is left as it is. Pillow and exiftool read the packet back
(`Image.info["xmp"]`); `read` finds the record in it.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
from typing import Any, BinaryIO
from xml.sax.saxutils import escape, unescape

XMP_FLAG = 0x04
ALPHA_FLAG = 0x10
_TAG = "fluxtui:provenance"
_PACKET = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:fluxtui="https://fluxtui.invalid/ns/1.0/">'
    "<{tag}>{text}</{tag}>"
    "</rdf:Description></rdf:RDF></x:xmpmeta>"
    '<?xpacket end="w"?>'
)
_RECORD = re.compile(f"<{_TAG}>(.*?)</{_TAG}>", re.DOTALL)


def xmp_packet(provenance: dict[str, Any]) -> bytes:
    """The XMP packet holding `provenance` as JSON text (XML-escaped)."""
    text = escape(json.dumps(provenance, ensure_ascii=False))
    return _PACKET.format(tag=_TAG, text=text).encode("utf-8")


def stamp(source: BinaryIO, target: BinaryIO, provenance: dict[str, Any]) -> None:
    """Copy the WebP in `source` to `target` with an XMP chunk holding `provenance`; unchanged
    when it cannot be done safely (an XMP chunk already there, a chunk cut short, an unreadable
    header)."""
    source.seek(0, 2)
    end = source.tell()
    source.seek(0)
    header = source.read(12)
    riff_end = min(end, 8 + struct.unpack("<I", header[4:8])[0])
    chunks = _chunks(source, riff_end)
    first = chunks[0] if chunks else None
    vp8x = _vp8x(source, first) if first else None
    whole = all(chunk_end <= riff_end for _, _, chunk_end in chunks)
    if vp8x is None or not whole or any(kind == b"XMP " for kind, _, _ in chunks):
        source.seek(0)
        shutil.copyfileobj(source, target)
        return
    xmp = _chunk(b"XMP ", xmp_packet(provenance))
    body_start = first[2] if first and first[0] == b"VP8X" else 12
    body = riff_end - body_start
    target.write(b"RIFF" + struct.pack("<I", 4 + len(vp8x) + body + len(xmp)) + b"WEBP")
    target.write(vp8x)
    source.seek(body_start)
    _copy(source, target, body)
    target.write(xmp)


def read(data: bytes) -> str | None:
    """The provenance JSON text `stamp` wrote into a WebP file, or None."""
    pos, end = 12, min(len(data), 8 + struct.unpack("<I", data[4:8])[0])
    while pos + 8 <= end:
        kind, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if kind == b"XMP ":
            found = _RECORD.search(data[pos + 8 : pos + 8 + size].decode("utf-8", "replace"))
            return unescape(found[1]) if found else None
        pos += 8 + size + (size & 1)
    return None


def _chunks(source: BinaryIO, riff_end: int) -> list[tuple[bytes, int, int]]:
    """(FourCC, payload start, chunk end) of every chunk after `WEBP`; the last one's end is
    past `riff_end` when the file cuts it short."""
    chunks = []
    pos = 12
    while pos + 8 <= riff_end:
        source.seek(pos)
        head = source.read(8)
        size = struct.unpack("<I", head[4:])[0]
        chunk_end = pos + 8 + size + (size & 1)
        chunks.append((head[:4], pos + 8, chunk_end))
        pos = chunk_end
    return chunks


def _vp8x(source: BinaryIO, first: tuple[bytes, int, int]) -> bytes | None:
    """The VP8X chunk to write: the file's own with the XMP flag set, or a new one for a simple
    file; None when the first chunk is none of VP8X, VP8 and VP8L."""
    kind, start, _ = first
    source.seek(start)
    if kind == b"VP8X":
        payload = bytearray(source.read(10))
        if len(payload) < 10:
            return None
        payload[0] |= XMP_FLAG
        return _chunk(b"VP8X", bytes(payload))
    head = source.read(10)
    if kind == b"VP8 " and len(head) == 10 and head[3:6] == b"\x9d\x01\x2a":
        width, height = (struct.unpack("<H", head[i : i + 2])[0] & 0x3FFF for i in (6, 8))
        flags = 0
    elif kind == b"VP8L" and len(head) >= 5 and head[0] == 0x2F:
        bits = int.from_bytes(head[1:5], "little")
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        flags = ALPHA_FLAG if bits >> 28 & 1 else 0
    else:
        return None
    canvas = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return _chunk(b"VP8X", bytes([flags | XMP_FLAG, 0, 0, 0]) + canvas)


def _chunk(kind: bytes, payload: bytes) -> bytes:
    pad = b"\x00" if len(payload) & 1 else b""
    return kind + struct.pack("<I", len(payload)) + payload + pad


def _copy(source: BinaryIO, target: BinaryIO, count: int) -> None:
    while count > 0:
        block = source.read(min(count, 1 << 20))
        if not block:
            return
        target.write(block)
        count -= len(block)
