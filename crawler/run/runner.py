"""Starting a crawl subprocess and seeing it to its end: deadline, stop requests, signal escalation."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from crawler.process import die_with_parent
from crawler.run.forkserver import ForkedCrawl
from crawler.run.spec import RunSpec

log = logging.getLogger(__name__)

POLL_INTERVAL = 0.2
DEFAULT_GRACE = 20.0
"""Seconds from the first SIGTERM (Scrapy's graceful stop) to SIGKILL; the second SIGTERM (forced stop) is halfway."""

TickCheck = Callable[[], str | None]
"""Called while the crawl runs; returns a reason to stop it (e.g. the source lock was lost), or None."""


@dataclass(frozen=True)
class CrawlResult:
    returncode: int | None
    stats: dict[str, Any] | None
    cancelled: str | None
    """Why we stopped it (``deadline``, ``stop requested``, a tick check's reason), None if it ended by itself."""
    duration: float


class CrawlRunner:
    """One crawl subprocess (Twisted's reactor cannot restart, and a crash or leak must not reach the caller)."""

    def __init__(
        self,
        spec: RunSpec,
        *,
        deadline: float,
        grace: float = DEFAULT_GRACE,
        work_dir: Path | None = None,
        forked: bool = False,
    ) -> None:
        self.deadline = deadline
        self.grace = grace
        self.forked = forked
        """Fork the crawl from the pre-imported server (:mod:`crawler.run.forkserver`) instead of a fresh Python."""
        self._work_dir = Path(tempfile.mkdtemp(prefix="newsarchive-run-", dir=work_dir))
        self.stats_path = self._work_dir / "stats.json"
        self.spec = replace(spec, stats_path=str(self.stats_path))
        self.process: subprocess.Popen[bytes] | ForkedCrawl | None = None

    def start(self) -> None:
        spec_path = self._work_dir / "spec.json"
        self.spec.dump(spec_path)
        self.process = ForkedCrawl(spec_path) if self.forked else self._popen(spec_path)
        log.info("crawl process %d started for %s", self.process.pid, self.spec.source.name)

    @staticmethod
    def _popen(spec_path: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "crawler.run.child", str(spec_path)],
            # SIGKILL, not SIGTERM, when we die: our source lock died with us, so the next run may start at once and
            # an orphan still stopping gracefully would overlap it. Its .open WARC is recovered by that next run.
            preexec_fn=die_with_parent(signal.SIGKILL),
            # Its own session: a terminal's Ctrl-C reaches only us, and we stop the crawl with one SIGTERM (a second
            # one straight from the terminal would force Scrapy into an unclean stop).
            start_new_session=True,
            stdin=subprocess.DEVNULL,
        )

    def wait(
        self, *, stop: threading.Event | None = None, tick: TickCheck | None = None, tick_interval: float = 5.0
    ) -> CrawlResult:
        """Wait for the crawl; stop it on ``stop``, past the deadline, or when ``tick`` names a reason."""
        assert self.process is not None, "start() first"
        started = time.monotonic()
        next_tick = started + tick_interval
        cancelled: str | None = None
        while self.process.poll() is None:
            now = time.monotonic()
            if cancelled is None:
                cancelled = self._stop_reason(stop, tick if now >= next_tick else None, now - started)
                if tick and now >= next_tick:
                    next_tick = now + tick_interval
                if cancelled:
                    log.warning("stopping crawl of %s: %s", self.spec.source.name, cancelled)
                    self._terminate()
            (stop.wait if stop and not stop.is_set() else time.sleep)(POLL_INTERVAL)
        duration = time.monotonic() - started
        result = CrawlResult(self.process.returncode, self._read_stats(), cancelled, duration)
        self._cleanup()
        return result

    def _stop_reason(self, stop: threading.Event | None, tick: TickCheck | None, elapsed: float) -> str | None:
        if stop is not None and stop.is_set():
            return "stop requested"
        if elapsed > self.deadline:
            return "deadline"
        return tick() if tick else None

    def _terminate(self) -> None:
        """SIGTERM (graceful: Scrapy closes the spider and the WARCs), a second SIGTERM, then SIGKILL."""
        threading.Thread(target=self._escalate, name="crawl-terminator", daemon=True).start()

    def _escalate(self) -> None:
        self._signal(signal.SIGTERM)
        if self._exits_within(self.grace / 2):
            return
        self._signal(signal.SIGTERM)
        if self._exits_within(self.grace / 2):
            return
        self._signal(signal.SIGKILL)

    def _exits_within(self, seconds: float) -> bool:
        assert self.process is not None
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return False
        return True

    def _signal(self, signum: int) -> None:
        assert self.process is not None
        if self.process.poll() is None:
            log.info("sending %s to crawl process %d", signal.Signals(signum).name, self.process.pid)
            os.kill(self.process.pid, signum)

    def _read_stats(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.stats_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _cleanup(self) -> None:
        for path in self._work_dir.iterdir():
            path.unlink(missing_ok=True)
        self._work_dir.rmdir()
