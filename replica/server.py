"""The replica publisher's HTTP server: threaded, HTTP/1.1, gzip, chunked, conditional requests, a request log."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from replica._media import MediaRouter
from replica._resource import Fault, Resource
from replica._router import Mount, ReplicaRouter
from replica.site import ReplicaSite

log = logging.getLogger(__name__)

CHUNK_SIZE = 8192


@dataclass(frozen=True)
class RequestLog:
    """One request as the server saw it. ``status`` is 0 when no response was sent (a reset fault)."""

    method: str
    path: str
    """The request target as received: path and query."""
    headers: tuple[tuple[str, str], ...]
    """Header lines in the order received, names as the client spelled them."""
    status: int
    time: float
    """``time.time()`` when the response started."""

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], publisher: ReplicaPublisher | MediaHost) -> None:
        self.publisher = publisher
        self.stopping = threading.Event()
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request, client_address) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Cut idle keep-alive connections so ``stop()`` leaves no handler thread serving."""
        with self.connections_lock:
            for connection in list(self.connections):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    timeout = 30
    # Headers and body go out in separate writes; with Nagle on, delayed ACKs cap a keep-alive connection at ~25/s.
    disable_nagle_algorithm = True
    server: _Server

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _serve(self, *, head: bool) -> None:
        publisher = self.server.publisher
        answer = publisher.router.resolve(self.path)
        if isinstance(answer, Fault):
            status = answer.run(self)
            if status == 0:
                publisher.record(self, 0)
            return
        encoding = self._encoding(answer)
        if self._not_modified(answer):
            self._send_head(304, answer, encoding)
            self.end_headers()
            return
        body = answer.gzipped() if encoding else answer.body
        chunked = answer.chunked and self.request_version == "HTTP/1.1" and answer.status == 200
        self._send_head(answer.status, answer, encoding)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if head:
            return
        if chunked:
            self._write_chunked(body)
        else:
            self.wfile.write(body)

    def _send_head(self, status: int, answer: Resource, encoding: str | None) -> None:
        self.send_response(status)
        if answer.content_type and status != 304:
            self.send_header("Content-Type", answer.content_type)
        for name, value in answer.headers:
            self.send_header(name, value)
        if answer.etag:
            self.send_header("ETag", answer.etag[:-1] + '-gzip"' if encoding else answer.etag)
            self.send_header("Last-Modified", answer.http_last_modified or "")
        if answer.compressible:
            self.send_header("Vary", "Accept-Encoding")
        if encoding:
            self.send_header("Content-Encoding", encoding)

    def _encoding(self, answer: Resource) -> str | None:
        if answer.compressible and answer.body and _accepts_gzip(self.headers.get("Accept-Encoding", "")):
            return "gzip"
        return None

    def _not_modified(self, answer: Resource) -> bool:
        """RFC 9110: If-None-Match wins over If-Modified-Since; only for GET/HEAD of a 200 with validators."""
        if answer.status != 200 or not answer.etag or answer.last_modified is None:
            return False
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return _etag_matches(if_none_match, answer.etag)
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            since_time = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        return since_time.tzinfo is not None and answer.last_modified <= since_time

    def _write_chunked(self, body: bytes) -> None:
        for start in range(0, len(body), CHUNK_SIZE):
            piece = body[start : start + CHUNK_SIZE]
            self.wfile.write(f"{len(piece):x}\r\n".encode("ascii") + piece + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Called from send_response, before any body byte: a client that has its response sees it logged.
        self.server.publisher.record(self, int(code) if str(code).isdigit() else 0)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("replica %s: " + format, self.address_string(), *args)


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "x-gzip", "*"):
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _etag_matches(header: str, etag: str) -> bool:
    """Weak comparison, and our own ``-gzip`` variant counts as the same entity (unlike Apache's known bug)."""
    if header.strip() == "*":
        return True
    wanted = etag.strip('"')
    for candidate in header.split(","):
        value = candidate.strip().removeprefix("W/").strip('"').removesuffix("-gzip")
        if value == wanted:
            return True
    return False


class RequestBook:
    """The requests a test server answered, in order (the publisher's and its media host's)."""

    def __init__(self) -> None:
        self._log: list[RequestLog] = []
        self._log_lock = threading.Lock()

    @property
    def requests(self) -> list[RequestLog]:
        """A snapshot of every request served so far, in order."""
        with self._log_lock:
            return list(self._log)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log.clear()

    def paths(self) -> list[str]:
        """The request targets served so far, in order."""
        return [entry.path for entry in self.requests]

    def record(self, handler: BaseHTTPRequestHandler, status: int) -> None:
        headers = tuple(handler.headers.items()) if getattr(handler, "headers", None) else ()
        entry = RequestLog(handler.command or "", getattr(handler, "path", ""), headers, status, time.time())
        with self._log_lock:
            self._log.append(entry)


class ReplicaPublisher(RequestBook):
    """Serves a ``ReplicaSite`` on ``host:port`` (port 0: any free port) from a daemon thread.

    A clean publisher by default; ``mounts`` adds routes (see ``Mount``), e.g. the hostile ones tests and benches
    want: ``ReplicaPublisher(site, mounts=[replica.faults.MOUNT])``.
    """

    def __init__(
        self,
        site: ReplicaSite | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        mounts: Iterable[Mount] = (),
        media_host: str | None = None,
    ) -> None:
        """``media_host``: an address (e.g. ``127.0.0.2``) for a second server, the site's media host, which pages
        name for their photos' other sizes and lazy images; none: the site serves those itself."""
        self.site = site or ReplicaSite()
        self.host = host
        self.port = port
        self.mounts = tuple(mounts)
        self.media: MediaHost | None = MediaHost(media_host, self.site) if media_host else None
        self.base_url = ""
        self.router: ReplicaRouter
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        RequestBook.__init__(self)

    def start(self) -> str:
        """Bind, start serving in a daemon thread, and return the base URL (``http://127.0.0.1:PORT``)."""
        if self._server is not None:
            return self.base_url
        server = _Server((self.host, self.port), self)
        # A client that connects and resets before accept() leaves select() saying "readable" and a blocking
        # accept() waiting forever, so shutdown() never returns: with a timeout, accept() gives up (an OSError
        # socketserver ignores), and accepted sockets are still blocking.
        server.socket.settimeout(1.0)
        self.port = server.server_address[1]
        self.base_url = f"http://{self.host}:{self.port}"
        media_base = self.media.start(self.port) if self.media else None
        self.router = ReplicaRouter(self.site, self.base_url, self.mounts, media_base=media_base)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"replica-{self.port}", daemon=True
        )
        self._thread.start()
        log.info("replica publisher serving %d articles at %s", len(self.site.articles), self.base_url)
        return self.base_url

    def prerender(self) -> int:
        """Render (and gzip) every article page and the discovery documents now, so that a benchmark measures the
        crawler, not the replica's first renders. Call after ``start()``; returns how many responses were built."""
        return self.router.prerender()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        _stop(server, self._thread)
        if self.media:
            self.media.stop()

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (``python -m replica``)."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    @property
    def media_url(self) -> str | None:
        """The media host's base URL (``http://127.0.0.2:PORT``) once started; None without one."""
        return self.media.base_url if self.media else None

    def __enter__(self) -> ReplicaPublisher:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


class MediaHost(RequestBook):
    """The site's media host: a second server on its own address, with its own robots.txt and request log."""

    def __init__(self, host: str, site: ReplicaSite) -> None:
        self.host = host
        self.router = MediaRouter(site.theme_modified)
        self.base_url = ""
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        RequestBook.__init__(self)

    def start(self, port: int = 0) -> str:
        """Serve on ``port`` (the site's own number, so the media URLs stay the same across runs) or any free one."""
        try:
            server = _Server((self.host, port), self)
        except OSError:
            server = _Server((self.host, 0), self)
        server.socket.settimeout(1.0)
        self.base_url = f"http://{self.host}:{server.server_address[1]}"
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="replica-media", daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            _stop(server, self._thread)


def _stop(server: _Server, thread: threading.Thread | None) -> None:
    server.stopping.set()
    server.shutdown()
    server.close_connections()
    server.server_close()
    if thread is not None:
        thread.join(timeout=5)
