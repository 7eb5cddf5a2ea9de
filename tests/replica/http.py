"""A raw HTTP/1.1 client for the replica tests: no redirects followed, no decoding, headers as sent."""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    chunked: bool
    """Whether the body came with Transfer-Encoding: chunked."""

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


def fetch(base_url: str, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> Reply:
    """One request on a fresh connection; the body is returned exactly as sent (still gzip-encoded if so)."""
    split = urlsplit(base_url)
    connection = http.client.HTTPConnection(split.hostname, split.port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        chunked = (response.headers.get("Transfer-Encoding") or "").lower() == "chunked"
        return Reply(response.status, response.headers, body, chunked)
    finally:
        connection.close()
