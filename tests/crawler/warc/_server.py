"""A tiny threaded HTTP server on 127.0.0.1 with the behaviours the WARC tests need."""

from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARTICLE = (
    "<html><head><title>Article</title></head><body>" + "<p>News paragraph.</p>" * 3000 + "</body></html>"
).encode()
SAME = b"<html><body>the same bytes on two URLs</body></html>"
BIG = b"x" * 300_000
PAGES = {
    "/article": (200, [("Content-Type", "text/html; charset=utf-8")], ARTICLE),
    "/same-a": (200, [("Content-Type", "text/html")], SAME),
    "/same-b": (200, [("Content-Type", "text/html")], SAME),
    "/latin": (200, [("Content-Type", "text/html"), ("X-Note", "caf\u00e9 cr\u00e8me")], b"<p>latin</p>"),
    "/cookies": (200, [("Content-Type", "text/plain"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")], b"two cookies"),
    "/big": (200, [("Content-Type", "application/octet-stream")], BIG),
    "/missing": (404, [("Content-Type", "text/plain")], b"not here"),
    "/robots.txt": (200, [("Content-Type", "text/plain")], b"User-agent: *\nAllow: /\n"),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received: list[bytes]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.requests.append(self.requestline + "\n" + str(self.headers))
        path = self.path.split("?", 1)[0]
        if path == "/redirect":
            return self._send(302, [("Location", "/article")], b"moved")
        if path == "/gzip":
            return self._send(
                200, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], gzip.compress(ARTICLE)
            )
        if path == "/chunked":
            return self._chunked()
        if path == "/dataloss":
            return self._dataloss()
        if path == "/hold":
            # Answers only when the test releases it (a request in flight when the crawler is killed).
            self.server.release.wait(timeout=60)
            return self._send(200, [("Content-Type", "text/plain")], b"released")
        status, headers, body = PAGES.get(path, (404, [], b"no"))
        self._send(status, headers, body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        self._send(200, [("Content-Type", "text/plain")], b"posted " + body)

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _chunked(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for part in (b"chunk one ", b"chunk two"):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\n\r\n")

    def _dataloss(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"only part of it")
        self.wfile.flush()
        self.close_connection = True


def start_server() -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.requests = []
    server.release = threading.Event()
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class RawRequestServer:
    """A socket server that keeps the exact bytes of each request it receives (head and body)."""

    def __init__(self) -> None:
        import socket

        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.requests: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection) -> None:
        buffer = b""
        with connection:
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = connection.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(buffer) < length:
                    buffer += connection.recv(65536)
                body, buffer = buffer[:length], buffer[length:]
                self.requests.append(head + b"\r\n\r\n" + body)
                reply = b"raw ok"
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s" % (len(reply), reply)
                )

    def close(self) -> None:
        self.sock.close()
