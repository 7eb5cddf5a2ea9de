"""The daemon's periodic database maintenance: partitions ahead and retention, on a thread of its own."""

from __future__ import annotations

import logging
import threading

import psycopg

from crawler.config.schema import RetentionConfig
from crawler.errors import DatabaseUnavailable
from crawler.storage.database import connect
from crawler.storage.retention import maintain

log = logging.getLogger(__name__)


class MaintenanceJob:
    """Runs :func:`crawler.storage.retention.maintain` now and every ``maintain_every`` while the daemon leads.

    A thread rather than a job in the crawl scheduler: it must not take one of the crawls' pool slots, nor wait
    behind them. A failed pass (the database away) is logged and tried again at the next interval.
    """

    def __init__(self, url: str, retention: RetentionConfig) -> None:
        self.url = url
        self.retention = retention
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="newsarchive-maintenance", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def run_once(self) -> None:
        try:
            with connect(self.url, autocommit=True, attempts=1) as conn:
                report = maintain(conn, self.retention)
        except (DatabaseUnavailable, psycopg.Error) as error:
            log.warning("database maintenance failed, tried again in %.0fs: %s", self.retention.maintain_every, error)
            return
        log.info("database maintenance: %s", report.describe())

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(max(self.retention.maintain_every, 60.0))
