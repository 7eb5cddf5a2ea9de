"""What the replica's router hands the HTTP handler: a rendered response with its validators, or a fault."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from http.server import BaseHTTPRequestHandler

HTML = "text/html; charset=UTF-8"
RSS = "application/rss+xml; charset=UTF-8"
ATOM = "application/atom+xml; charset=UTF-8"
YOAST_XML = "text/xml; charset=UTF-8"
CORE_XML = "application/xml; charset=UTF-8"
JSON = "application/json; charset=UTF-8"
TEXT = "text/plain; charset=utf-8"
PNG = "image/png"
GZIP = "application/x-gzip"


@dataclass
class Resource:
    """A complete response. ``last_modified`` set means validators (ETag, Last-Modified) are sent and honoured."""

    status: int
    body: bytes
    content_type: str | None = HTML
    headers: list[tuple[str, str]] = field(default_factory=list)
    last_modified: datetime | None = None
    compressible: bool = True
    chunked: bool = False
    etag: str | None = field(default=None, init=False)
    _gzipped: bytes | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.last_modified is not None:
            self.etag = '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'

    @property
    def http_last_modified(self) -> str | None:
        return format_datetime(self.last_modified.astimezone(UTC), usegmt=True) if self.last_modified else None

    def gzipped(self) -> bytes:
        """The gzip-encoded body, compressed once (mtime 0, so the bytes are stable)."""
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self._gzipped


def redirect(location: str, status: int = 301) -> Resource:
    """WordPress's canonical redirect: empty body, ``X-Redirect-By: WordPress``."""
    headers = [("Location", location), ("X-Redirect-By", "WordPress")]
    return Resource(status, b"", HTML, headers, compressible=False)


@dataclass
class Fault:
    """An opt-in misbehaviour that writes to the socket itself (slow, truncated, reset, huge...)."""

    name: str
    run: Callable[[BaseHTTPRequestHandler], int]
    """Writes the response (or not) and returns the status to log (0 when none was sent)."""
