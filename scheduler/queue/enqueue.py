"""Putting due runs on the queue, from the daemon's scheduler threads or a one-shot command."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

import psycopg
from procrastinate import exceptions

from crawler.errors import DatabaseUnavailable
from scheduler.queue.app import TASK, ensure_queue_schema, queue_app, source_lock

log = logging.getLogger(__name__)


class Enqueuer:
    """Enqueues runs; a source that already has a waiting run is coalesced (one waiting job per source at most)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._app = queue_app(url, max_connections=2)
        self._open = False
        self._lock = threading.Lock()

    def enqueue(self, source: str, trigger: str, scheduled_for: datetime | None = None) -> int | None:
        """The new job's id, or None when the source's waiting run is still queued (this tick coalesces into it)."""
        self._ensure_open()
        lock = source_lock(source)
        deferrer = self._app.configure_task(TASK, lock=lock, queueing_lock=lock)
        try:
            job_id = deferrer.defer(
                source=source,
                trigger=trigger,
                scheduled_for=scheduled_for.isoformat() if scheduled_for else None,
            )
        except exceptions.AlreadyEnqueued:
            log.info("run of %s not enqueued: one is already waiting (coalesced)", source)
            return None
        except (exceptions.ConnectorException, psycopg.Error) as error:
            raise DatabaseUnavailable(f"could not enqueue {source}: {error}") from error
        log.info("run of %s enqueued as job %d (trigger %s)", source, job_id, trigger)
        return job_id

    def close(self) -> None:
        with self._lock:
            if self._open:
                self._app.close()
                self._open = False

    def _ensure_open(self) -> None:
        with self._lock:
            if not self._open:
                ensure_queue_schema(self._url)
                self._app.open()
                self._open = True
