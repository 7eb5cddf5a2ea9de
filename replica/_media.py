"""Small real images for the replica: valid PNG bytes built with zlib, one colour per article."""

from __future__ import annotations

import hashlib
import struct
import zlib

WIDTH, HEIGHT = 64, 40


def png(key: str, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """A valid RGB PNG: a two-colour band image whose colours derive from ``key`` (so each article differs)."""
    digest = hashlib.sha1(key.encode("utf-8")).digest()
    top, bottom = digest[:3], digest[3:6]
    rows = b"".join(b"\x00" + (top if y < height // 2 else bottom) * width for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows, 9)) + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
