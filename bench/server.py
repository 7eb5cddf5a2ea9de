"""A fast static server on 127.0.0.1 for a generated benchmark site: nginx when installed, else threaded Python.

Usage: ``python bench/server.py FOLDER [--port N] [--python]`` serves until Ctrl-C, after a load check.
Both send the pre-compressed ``.gz`` twin to clients that accept gzip, with Content-Length and Last-Modified.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.utils
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

from crawler.process import die_with_parent

log = logging.getLogger(__name__)

NGINX_CONF = """{user}daemon off;
master_process on;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include {mime_types};
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    keepalive_timeout 65;
    gzip_static on;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html index.xml;
        location / {{ try_files $uri $uri/ =404; }}
    }}
}}
"""
TYPES = {".html": "text/html; charset=UTF-8", ".xml": "text/xml; charset=UTF-8", ".txt": "text/plain"}


def free_port(preferred: int = 0) -> int:
    """``preferred`` when nothing listens there, else any free port."""
    for port in (preferred, 0) if preferred else (0,):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise OSError("no free port on 127.0.0.1")


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


class StaticServer:
    """Serves ``root`` at ``http://127.0.0.1:port``; ``kind`` is ``nginx`` or ``python``; ``pids`` its processes."""

    def __init__(self, root: Path, port: int, *, prefer_nginx: bool = True) -> None:
        self.root = root.resolve()
        self.port = port
        self.kind = "nginx" if prefer_nginx and nginx_binary() else "python"
        self._process: subprocess.Popen[bytes] | None = None
        self._tmp: str | None = None
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pids(self) -> list[int]:
        """The server's own processes (nginx master and worker); empty for the in-process Python server."""
        if self._process is None:
            return []
        import psutil

        try:
            master = psutil.Process(self._process.pid)
            return [master.pid, *(child.pid for child in master.children())]
        except psutil.NoSuchProcess:
            return []

    def start(self) -> str:
        if self.kind == "nginx":
            self._start_nginx()
        else:
            self._start_python()
        _wait_listening(self.port)
        return self.base_url

    def _start_nginx(self) -> None:
        self._tmp = tempfile.mkdtemp(prefix="newsarchive-bench-nginx-")
        conf = Path(self._tmp) / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                # Started as root, nginx's workers would read the files as nobody (and a private folder is closed).
                user="user root;\n" if os.geteuid() == 0 else "",
                tmp=self._tmp,
                port=self.port,
                root=self.root,
                mime_types="/etc/nginx/mime.types",
            ),
            encoding="utf-8",
        )
        binary = nginx_binary()
        assert binary
        self._process = subprocess.Popen(
            [binary, "-c", str(conf), "-p", self._tmp, "-e", f"{self._tmp}/error.log"],
            stdin=subprocess.DEVNULL,
            preexec_fn=die_with_parent(),  # the child never outlives us
        )

    def _start_python(self) -> None:
        handler = type("Handler", (_StaticHandler,), {"root": self.root})
        self._httpd = _QuietServer(("127.0.0.1", self.port), handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, name="bench-static", daemon=True).start()

    def stop(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGQUIT)  # nginx: graceful shutdown
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> StaticServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def exit_on_sigterm() -> None:
    """SIGTERM ends a benchmark like Ctrl-C, through its cleanups (server stopped, databases dropped)."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # clients closing keep-alive sockets are normal
            super().handle_error(request, client_address)


class _StaticHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive, files read per request (the page cache keeps them), ``.gz`` twins for gzip clients."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes: Nagle plus delayed ACKs stall each
    root: Path

    def do_GET(self) -> None:
        path = self._file()
        if path is None:
            self._send(404, b"not found", "text/plain", None)
            return
        encoding = None
        gz = path.with_name(path.name + ".gz")
        if "gzip" in (self.headers.get("Accept-Encoding") or "") and gz.exists():
            path, encoding = gz, "gzip"
        body = path.read_bytes()
        content_type = TYPES.get(Path(path.name.removesuffix(".gz")).suffix, "application/octet-stream")
        self._send(200, body, content_type, encoding, path.stat().st_mtime)

    def _file(self) -> Path | None:
        relative = self.path.split("?", 1)[0].lstrip("/")
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root):
            return None
        if candidate.is_dir():
            candidate = next((candidate / n for n in ("index.html", "index.xml") if (candidate / n).exists()), None)
        return candidate if candidate is not None and candidate.is_file() else None

    def _send(self, status: int, body: bytes, content_type: str, encoding: str | None, mtime: float = 0) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if encoding:
            self.send_header("Content-Encoding", encoding)
        if mtime:
            self.send_header("Last-Modified", email.utils.formatdate(mtime, usegmt=True))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _wait_listening(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.02)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout} s")


@dataclass(frozen=True)
class LoadResult:
    tool: str
    requests_per_s: float
    connections: int
    seconds: float


def load_check(url: str, *, seconds: float = 2.0, connections: int = 16) -> LoadResult:
    """The server alone under load (``wrk`` when installed, else an asyncio keep-alive client), gzip accepted."""
    if shutil.which("wrk"):
        return _wrk(url, seconds, connections)
    return asyncio.run(_asyncio_load(url, seconds, connections))


def _wrk(url: str, seconds: float, connections: int) -> LoadResult:
    done = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-H", "Accept-Encoding: gzip, deflate", url],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(line for line in done.stdout.splitlines() if line.startswith("Requests/sec:"))
    return LoadResult("wrk", float(line.split()[1]), connections, seconds)


async def _asyncio_load(url: str, seconds: float, connections: int) -> LoadResult:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    request = (
        f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept-Encoding: gzip, deflate\r\n\r\n"
    ).encode()
    deadline = time.monotonic() + seconds
    counts = [0] * connections

    async def client(index: int) -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        while time.monotonic() < deadline:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(int(x.split(b":")[1]) for x in head.split(b"\r\n") if x.lower().startswith(b"content-length"))
            await reader.readexactly(length)
            counts[index] += 1
        writer.close()

    started = time.monotonic()
    await asyncio.gather(*(client(i) for i in range(connections)))
    return LoadResult("asyncio client", sum(counts) / (time.monotonic() - started), connections, seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--port", type=int, default=8431)
    parser.add_argument("--python", action="store_true", help="the threaded Python server even if nginx is there")
    args = parser.parse_args(argv)
    with StaticServer(args.folder, args.port, prefer_nginx=not args.python) as server:
        result = load_check(server.base_url + "/robots.txt")
        print(f"{server.kind} at {server.base_url}: {result.tool} {result.requests_per_s:.0f} req/s")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
