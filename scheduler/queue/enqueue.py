"""Putting due runs on the queue, from the daemon's scheduler threads or a one-shot command; one or a batch."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime

import psycopg
from procrastinate import exceptions
from procrastinate.jobs import Job

from crawler.errors import DatabaseUnavailable
from scheduler.queue.app import QUEUE, TASK, ensure_queue_schema, queue_app, source_lock

log = logging.getLogger(__name__)

BATCH = 2000
"""Jobs per insert of a batch: one round trip and one transaction each, small enough for a short lock."""
COALESCED_LINES = 20
_WAITING = "SELECT queueing_lock FROM procrastinate_jobs WHERE status = 'todo' AND queueing_lock = ANY(%(locks)s)"


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

    def enqueue_many(self, sources: Sequence[str], trigger: str, scheduled_for: datetime | None = None) -> int:
        """Enqueue a run of each of ``sources`` in batches; those with a run still waiting coalesce. Jobs queued.

        procrastinate's batch defer inserts a batch in one statement and fails all of it when one source already
        has a waiting job, so the waiting ones are left out first; a batch that meets one anyway (a ``crawl
        --enqueue`` in between) is enqueued source by source.
        """
        self._ensure_open()
        when = scheduled_for.isoformat() if scheduled_for else None
        coalesced: list[str] = []
        try:
            for start in range(0, len(sources), BATCH):
                coalesced += self._enqueue_batch(sources[start : start + BATCH], trigger, when)
        except (exceptions.ConnectorException, psycopg.Error) as error:
            raise DatabaseUnavailable(f"could not enqueue {len(sources)} run(s): {error}") from error
        _log_coalesced(coalesced)
        queued = len(sources) - len(coalesced)
        log.info("%d run(s) enqueued (trigger %s), %d coalesced", queued, trigger, len(coalesced))
        return queued

    def _enqueue_batch(self, sources: Sequence[str], trigger: str, when: str | None) -> list[str]:
        """Enqueue one batch; the sources that coalesced into a waiting run."""
        waiting = self._waiting(sources)
        fresh = [source for source in sources if source not in waiting]
        jobs = [
            Job(
                queue=QUEUE,
                task_name=TASK,
                lock=source_lock(source),
                queueing_lock=source_lock(source),
                task_kwargs={"source": source, "trigger": trigger, "scheduled_for": when},
            )
            for source in fresh
        ]
        if jobs:
            try:
                self._app.job_manager.batch_defer_jobs(jobs)
            except exceptions.AlreadyEnqueued:
                log.info("a run was enqueued meanwhile: this batch of %d goes one by one", len(jobs))
                return [source for source in sources if source in waiting or not self._defer(source, trigger, when)]
        return [source for source in sources if source in waiting]

    def _waiting(self, sources: Iterable[str]) -> set[str]:
        locks = {source_lock(source): source for source in sources}
        rows = self._app.connector.get_sync_connector().execute_query_all(_WAITING, locks=list(locks))
        return {locks[row["queueing_lock"]] for row in rows}

    def _defer(self, source: str, trigger: str, when: str | None) -> bool:
        """One job; False when the source has one waiting."""
        deferrer = self._app.configure_task(TASK, lock=source_lock(source), queueing_lock=source_lock(source))
        try:
            deferrer.defer(source=source, trigger=trigger, scheduled_for=when)
        except exceptions.AlreadyEnqueued:
            return False
        return True

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


def _log_coalesced(sources: list[str]) -> None:
    """A line per coalesced source when they are few; one line for a whole fleet whose workers fall behind."""
    if len(sources) <= COALESCED_LINES:
        for source in sources:
            log.info("run of %s not enqueued: one is already waiting (coalesced)", source)
    else:
        log.warning(
            "%d runs not enqueued: each source's previous one is still waiting (coalesced), e.g. %s",
            len(sources),
            ", ".join(sources[:5]),
        )
