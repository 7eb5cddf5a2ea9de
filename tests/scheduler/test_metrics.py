"""The daemon's metrics endpoint, scraped over real HTTP on 127.0.0.1 (port 0)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from crawler.errors import ConfigError
from scheduler.metrics import DaemonMetrics, MetricsServer, parse_listen


def scrape(base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of ``/metrics`` by (name, sorted labels), parsed with prometheus_client's own parser."""
    with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def served() -> Iterator[tuple[DaemonMetrics, str, dict[str, Any]]]:
    metrics = DaemonMetrics()
    health: dict[str, Any] = {"status": "ok", "role": "leader"}
    server = MetricsServer(metrics, lambda: dict(health), "127.0.0.1", 0)
    server.start()
    host, port = server.address
    try:
        yield metrics, f"http://{host}:{port}", health
    finally:
        server.stop()


def test_run_counters_move(served: tuple[DaemonMetrics, str, dict[str, Any]]) -> None:
    metrics, base, _ = served
    stats = {"newsarchive/articles/new": 12, "newsarchive/articles/updated": 2, "newsarchive/warc/bytes": 34567}
    metrics.record_run("khaama", "finished", 4.5, stats)
    first = scrape(base)
    assert first[("newsarchive_runs_total", (("outcome", "finished"), ("source", "khaama")))] == 1
    assert first[("newsarchive_articles_total", (("kind", "new"), ("source", "khaama")))] == 12
    assert first[("newsarchive_articles_total", (("kind", "updated"), ("source", "khaama")))] == 2
    assert first[("newsarchive_warc_bytes_total", (("source", "khaama"),))] == 34567
    assert first[("newsarchive_run_duration_seconds_count", (("source", "khaama"),))] == 1
    assert first[("newsarchive_run_duration_seconds_sum", (("source", "khaama"),))] == 4.5
    last_success = first[("newsarchive_last_success_timestamp_seconds", (("source", "khaama"),))]
    assert abs(last_success - (datetime.now(UTC).timestamp() - 4.5)) < 5

    metrics.record_run("khaama", "finished", 1.0, stats)
    metrics.record_run("khaama", "skipped", 0.0, None)
    metrics.record_run("khaama", "error", 0.0, None)
    metrics.running.inc()
    second = scrape(base)
    assert second[("newsarchive_runs_total", (("outcome", "finished"), ("source", "khaama")))] == 2
    assert second[("newsarchive_runs_total", (("outcome", "skipped"), ("source", "khaama")))] == 1
    assert second[("newsarchive_runs_total", (("outcome", "error"), ("source", "khaama")))] == 1
    assert second[("newsarchive_articles_total", (("kind", "new"), ("source", "khaama")))] == 24
    assert second[("newsarchive_running_crawls", ())] == 1


def test_failed_runs_do_not_move_last_success(served: tuple[DaemonMetrics, str, dict[str, Any]]) -> None:
    metrics, base, _ = served
    metrics.set_last_success("tolo", datetime(2026, 1, 1, tzinfo=UTC))
    metrics.record_run("tolo", "failed", 2.0, {"newsarchive/warc/bytes": 10})
    samples = scrape(base)
    assert (
        samples[("newsarchive_last_success_timestamp_seconds", (("source", "tolo"),))]
        == datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    )
    assert samples[("newsarchive_runs_total", (("outcome", "failed"), ("source", "tolo")))] == 1
    metrics.forget("tolo")
    assert ("newsarchive_last_success_timestamp_seconds", (("source", "tolo"),)) not in scrape(base)


def test_healthz_and_unknown_paths(served: tuple[DaemonMetrics, str, dict[str, Any]]) -> None:
    _, base, health = served
    status, body = get(f"{base}/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "role": "leader"}
    health["status"] = "error"
    assert get(f"{base}/healthz")[0] == 503
    assert get(f"{base}/nothing")[0] == 404


def test_parse_listen() -> None:
    assert parse_listen("127.0.0.1:9410") == ("127.0.0.1", 9410)
    assert parse_listen("[::1]:0") == ("::1", 0)
    assert parse_listen("") is None
    for bad in ("9410", "localhost", "127.0.0.1:x", ":9410", "127.0.0.1:70000"):
        with pytest.raises(ConfigError, match=r"^metrics\.listen: "):
            parse_listen(bad)
