"""Small real images for the replica (valid PNG bytes built with zlib, one colour per path) and its media host."""

from __future__ import annotations

import hashlib
import struct
import zlib
from datetime import datetime
from urllib.parse import urlsplit

from replica._resource import PNG, TEXT, Resource

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


class MediaRouter:
    """The media host's answers: its own robots.txt (``disallow`` paths) and the site's uploaded images."""

    def __init__(self, stamp: datetime) -> None:
        self.stamp = stamp
        self.disallow: list[str] = []
        """Paths its robots.txt disallows (a test sets them)."""

    def resolve(self, target: str) -> Resource:
        path = urlsplit(target).path
        if path == "/robots.txt":
            lines = ["User-agent: *", *(f"Disallow: {prefix}" for prefix in self.disallow), ""]
            return Resource(200, "\n".join(lines).encode(), TEXT, compressible=False)
        if path.startswith("/wp-content/uploads/") and path.endswith(".png"):
            return Resource(200, png(path), PNG, last_modified=self.stamp, compressible=False)
        return Resource(404, b"<!DOCTYPE html><title>Not Found</title><h1>404 Not Found</h1>")
