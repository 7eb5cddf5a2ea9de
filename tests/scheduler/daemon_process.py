"""Driving a real ``newsarchive daemon`` subprocess in tests: config, JSON log, signals, crawl_runs, metrics."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from psycopg.rows import dict_row

from tests.support.processes import stop_tree

T = TypeVar("T")

DISABLED_KHAAMA = '[[sources]]\nname = "khaama"\nenabled = false\nfeeds = ["https://www.khaama.com/feed/"]\n'
"""The built-in source would reach for the internet; every daemon test config switches it off."""


def wait_until(check: Callable[[], T], timeout: float, what: str, interval: float = 0.2) -> T:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def source_toml(name: str, base_url: str, schedule: str, *, slow_seconds: float = 0, **extra: Any) -> str:
    """A replica source; ``slow_seconds`` adds a start URL that answers that late, so the run lasts at least that."""
    start_urls = [f"{base_url}/"]
    if slow_seconds:
        start_urls.append(f"{base_url}/faults/slow/?seconds={slow_seconds:g}")
    lines = [
        "[[sources]]",
        f'name = "{name}"',
        'spider = "khaama"',
        f"start_urls = {json.dumps(start_urls)}",
        f'feeds = ["{base_url}/feed/"]',
        'allowed_domains = ["127.0.0.1"]',
        'download_delay = "0s"',
        f'schedule = "{schedule}"',
        *(f"{key} = {json.dumps(value)}" for key, value in extra.items()),
    ]
    return "\n".join(lines) + "\n"


def daemon_config(
    path: Path,
    database_url: str,
    sources: str,
    *,
    stop_timeout: str = "10s",
    max_concurrent: int = 2,
    misfire_grace: str = "10m",
    extra: str = "",
) -> Path:
    """Write (or rewrite, for a reload) the daemon's config at ``path``; data under ``path``'s folder."""
    path.write_text(
        f'[database]\nurl = "{database_url}"\n'
        f'[storage]\ndata_dir = "{path.parent / "data"}"\n'
        f'[scheduler]\nstop_timeout = "{stop_timeout}"\nmax_concurrent_crawls = {max_concurrent}\n'
        f'misfire_grace = "{misfire_grace}"\n{extra}'
        f'[metrics]\nlisten = "127.0.0.1:0"\n' + DISABLED_KHAAMA + sources,
        encoding="utf-8",
    )
    return path


class DaemonProcess:
    """``python -m scheduler --config CONFIG daemon`` (or another long-running command) with its stderr in a file."""

    def __init__(self, config: Path, log_path: Path, command: tuple[str, ...] = ("daemon",)) -> None:
        self.config = config
        self.log_path = log_path
        self.command = command
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def cli(self) -> list[str]:
        return [sys.executable, "-m", "scheduler", "--config", str(self.config), "--log-format", "json"]

    def start(self) -> DaemonProcess:
        env = {k: v for k, v in os.environ.items() if k not in ("NEWSARCHIVE_DATABASE_URL", "DATABASE_URL")}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*self.cli, *self.command],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                env=env,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def send(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout)

    def stop(self) -> None:
        """Test teardown: SIGKILL it and the crawls it started (in sessions of their own, they would outlive it) if
        still running; a test that wants a clean stop sends SIGTERM itself."""
        if self.process is not None:
            stop_tree(self.process)

    def messages(self) -> list[dict[str, Any]]:
        """The daemon's (and its crawls') JSON log records so far; other lines are skipped."""
        records = []
        for line in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return records

    def logged(self, pattern: str) -> list[re.Match[str]]:
        regex = re.compile(pattern)
        return [m for m in (regex.search(r.get("message", "")) for r in self.messages()) if m]

    def wait_for_log(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        return wait_until(lambda: (self.logged(pattern) or [None])[-1], timeout, f"log line /{pattern}/")

    def metrics_url(self) -> str:
        match = self.wait_for_log(r"metrics on (http://[\d.]+:\d+)/metrics", timeout=30)
        return match.group(1)

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.metrics_url() + path, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def runs(database_url: str, source: str | None = None) -> list[dict[str, Any]]:
    """crawl_runs rows (of one source), oldest first."""
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        sql = "SELECT * FROM crawl_runs" + (" WHERE source = %s" if source else "") + " ORDER BY started_at, id"
        return conn.execute(sql, [source] if source else []).fetchall()


def ended_runs(database_url: str, source: str, trigger: str = "daemon") -> list[dict[str, Any]]:
    return [r for r in runs(database_url, source) if r["status"] != "running" and r["trigger"] == trigger]


def running_run(database_url: str, source: str) -> dict[str, Any] | None:
    return next((r for r in runs(database_url, source) if r["status"] == "running"), None)


def assert_no_overlap(rows: list[dict[str, Any]]) -> None:
    """Each run of a source ended before the next one started."""
    real = [r for r in rows if r["status"] != "skipped"]
    for before, after in itertools.pairwise(real):
        assert before["finished_at"] is not None, before
        assert before["finished_at"] <= after["started_at"], (before, after)


def metric_value(text: str, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels``, in Prometheus text (0 when absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1].startswith("Z")  # a zombie has exited; only its parent can reap it
    except OSError:
        return True
