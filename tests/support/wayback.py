"""A Wayback Machine of our own on 127.0.0.1: a CDX server (JSON, paged by resume key) and raw captures."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CDX_PAGE = 4
"""Rows per CDX answer: an import must follow the resume keys."""


class FakeWayback:
    """``/cdx/search/cdx`` (JSON, paged by resume key) and ``/web/<ts>id_/<url>`` for a list of captures."""

    def __init__(self, captures: list[tuple[str, str, bytes | None]]) -> None:
        self.captures = captures  # (timestamp, original URL, raw page or None when not an article page)
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append(self.path)
                status, body, kind = owner.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                if "id_/" in self.path and status == 200:  # validators, as a Wayback Machine sends with a capture
                    self.send_header("ETag", f'"{self.path.split("/")[2]}"')
                    self.send_header("Last-Modified", "Mon, 01 Jan 2024 12:00:00 GMT")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, path: str) -> tuple[int, bytes, str]:
        parts = urlsplit(path)
        if parts.path == "/cdx/search/cdx":
            start = int(parse_qs(parts.query).get("resumeKey", ["0"])[0])
            rows: list[list[str]] = [["timestamp", "original", "mimetype", "statuscode"]]
            rows += [[ts, url, "text/html", "200"] for ts, url, _ in self.captures[start : start + CDX_PAGE]]
            if start + CDX_PAGE < len(self.captures):
                rows += [[], [str(start + CDX_PAGE)]]
            return 200, json.dumps(rows).encode(), "application/json"
        for ts, url, page in self.captures:
            if path == f"/web/{ts}id_/{url}" and page is not None:
                return 200, page, "text/html; charset=UTF-8"
        return 404, b"not archived", "text/plain"

    def __enter__(self) -> FakeWayback:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
