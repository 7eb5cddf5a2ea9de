"""The daemon's Prometheus metrics and its HTTP endpoint (``/metrics``, ``/healthz``), loopback by default."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from crawler import statkeys
from crawler.errors import ConfigError
from scheduler.address import parse_host_port

log = logging.getLogger(__name__)

SUCCESS = ("finished", "degraded")
DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, float("inf"))

Health = Callable[[], dict[str, Any]]
"""Returns the health document; a ``"status"`` other than ``"ok"`` answers 503."""


class DaemonMetrics:
    """The metrics of one daemon process, in their own registry (labels: source and outcome only)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.runs = Counter(
            "newsarchive_runs", "Crawl runs by source and outcome", ["source", "outcome"], registry=self.registry
        )
        self.duration = Histogram(
            "newsarchive_run_duration_seconds",
            "Wall-clock duration of crawl runs",
            ["source"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.articles = Counter(
            "newsarchive_articles", "Articles stored, new or updated", ["source", "kind"], registry=self.registry
        )
        self.warc_bytes = Counter(
            "newsarchive_warc_bytes", "Bytes written to WARC files", ["source"], registry=self.registry
        )
        self.last_success = Gauge(
            "newsarchive_last_success_timestamp_seconds",
            "Start time of the last finished or degraded run (Unix time); alert when it grows old",
            ["source"],
            registry=self.registry,
        )
        self.running = Gauge("newsarchive_running_crawls", "Crawls running now", registry=self.registry)

    def record_run(self, source: str, outcome: str, duration: float, stats: dict[str, Any] | None) -> None:
        """Count one ended run (``outcome``: a run status, or ``error`` when it could not even start)."""
        self.runs.labels(source, outcome).inc()
        if outcome in ("skipped", "error"):
            return
        self.duration.labels(source).observe(duration)
        stats = stats or {}
        self.articles.labels(source, "new").inc(_number(stats.get(statkeys.ARTICLES_NEW)))
        self.articles.labels(source, "updated").inc(_number(stats.get(statkeys.ARTICLES_UPDATED)))
        self.warc_bytes.labels(source).inc(_number(stats.get(statkeys.WARC_BYTES)))
        if outcome in SUCCESS:
            self.last_success.labels(source).set(time.time() - duration)

    def set_last_success(self, source: str, when: datetime | None) -> None:
        """Seed the gauge from the database at start, so a restart does not look like a silent source."""
        if when is not None:
            self.last_success.labels(source).set(when.timestamp())

    def forget(self, source: str) -> None:
        """Drop the gauge of a source removed from the config (counters keep their history)."""
        try:
            self.last_success.remove(source)
        except KeyError:
            log.debug("no last-success gauge for %s", source)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def parse_listen(listen: str) -> tuple[str, int] | None:
    """``[metrics].listen`` (:func:`~scheduler.address.parse_host_port`, port 0: any free one, which the endpoint
    logs); None when empty (metrics off)."""
    if not listen.strip():
        return None
    try:
        return parse_host_port(listen, any_port=True)
    except ValueError as error:
        raise ConfigError(f"metrics.listen: {error}") from error


class MetricsServer:
    """A small threaded HTTP server: ``/metrics`` in Prometheus text format, ``/healthz`` as JSON."""

    def __init__(self, metrics: DaemonMetrics, health: Health, host: str, port: int) -> None:
        handler = _handler_class(metrics, health)
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="metrics-http", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread.start()
        host, port = self.address
        log.info("metrics on http://%s:%d/metrics, health on /healthz", host, port)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler_class(metrics: DaemonMetrics, health: Health) -> type[BaseHTTPRequestHandler]:
    class MetricsHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._reply(200, CONTENT_TYPE_PLAIN_0_0_4, generate_latest(metrics.registry))
            elif path == "/healthz":
                document = health()
                code = 200 if document.get("status") == "ok" else 503
                self._reply(code, "application/json", json.dumps(document).encode())
            else:
                self._reply(404, "text/plain; charset=utf-8", b"not found: try /metrics or /healthz\n")

        def _reply(self, code: int, content_type: str, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("metrics http: " + format, *args)

    return MetricsHandler
