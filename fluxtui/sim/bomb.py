"""A decompression bomb: a PNG of 20000x20000 pixels (400 MP) that is ~50 KB on the wire."""

from __future__ import annotations

import functools
import struct
import zlib

BOMB_SIZE = 20_000


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@functools.cache
def bomb_png(size: int = BOMB_SIZE) -> bytes:
    """A valid, all-black, 1-bit greyscale PNG of ``size`` x ``size`` pixels.

    Written row by row, so that the 50 MB of pixel data is never held in memory at once.
    """
    row = b"\x00" * (1 + (size + 7) // 8)  # filter byte "none", then the row's bits
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(size)) + compressor.flush()
    header = struct.pack(">IIBBBBB", size, size, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )
