"""``newsarchive worker``: take queued runs and crawl them, until SIGTERM; survive the database going away.

Each job runs the worker's :class:`scheduler.jobs.SourceRunner` in one of procrastinate's threads, with the crawl
forked from the pre-imported server. Every worker also repairs the queue: jobs of a worker that stopped sending
heartbeats (killed, its host gone) go back to ``todo`` within :data:`~scheduler.queue.app.STALL_BOUND` seconds,
and run elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

import procrastinate
import psycopg
from procrastinate import exceptions
from procrastinate.jobs import Status

from crawler.errors import DatabaseUnavailable
from crawler.storage.database import database_url
from scheduler.jobs import SourceRunner
from scheduler.queue.app import (
    HEARTBEAT_INTERVAL,
    QUEUE,
    REPAIR_INTERVAL,
    STALLED_AFTER,
    ensure_queue_schema,
    queue_app,
)
from scheduler.queue.task import STATE_KEY

log = logging.getLogger(__name__)

RECONNECT_WAITS = (1.0, 2.0, 5.0, 10.0, 30.0)
"""Back-off while the database is away (the last repeats), as the daemon's."""
_POLL = 0.2


class QueueWorker:
    """One worker process: ``concurrency`` crawls at a time from the queue, under the name its runs record."""

    def __init__(self, runner: SourceRunner, concurrency: int) -> None:
        self.config = runner.config
        self.runner = runner
        self.concurrency = concurrency
        self.url = database_url(runner.config)

    @property
    def stop(self) -> threading.Event:
        return self.runner.stop

    def run(self) -> int:
        """Serve until stopped; a lost database is waited for, then the worker carries on. Exit code 0."""
        failures = 0
        while not self.stop.is_set():
            try:
                ensure_queue_schema(self.url)
                asyncio.run(self._serve())
                failures = 0
            except (DatabaseUnavailable, psycopg.Error, exceptions.ConnectorException, OSError) as error:
                wait = RECONNECT_WAITS[min(failures, len(RECONNECT_WAITS) - 1)]
                failures += 1
                log.error("worker %s lost the queue database (%s); retrying in %.0fs", self.runner.worker, error, wait)
                self.stop.wait(wait)
            else:
                if not self.stop.is_set():  # procrastinate stopped by itself (a failed side task: database gone)
                    log.warning("worker %s: the queue stopped; reconnecting", self.runner.worker)
                    self.stop.wait(RECONNECT_WAITS[0])
        log.info("worker %s stopped", self.runner.worker)
        return 0

    async def _serve(self) -> None:
        app = queue_app(self.url, max_connections=self.concurrency + 3)
        async with app.open_async():
            worker = asyncio.create_task(self._run_worker(app), name="procrastinate worker")
            repairer = asyncio.create_task(repair_stalled_jobs(app), name="stalled-job repair")
            log.info("worker %s taking runs from queue %r, %d at a time", self.runner.worker, QUEUE, self.concurrency)
            while not worker.done() and not self.stop.is_set():
                await asyncio.sleep(_POLL)
            repairer.cancel()
            if not worker.done():
                worker.cancel()  # procrastinate's graceful stop: no new job; running ones end (our stop cancels them)
            with contextlib.suppress(asyncio.CancelledError):
                await worker
            with contextlib.suppress(asyncio.CancelledError):
                await repairer

    async def _run_worker(self, app: procrastinate.App) -> None:
        await app.run_worker_async(
            queues=[QUEUE],
            name=self.runner.worker,
            concurrency=self.concurrency,
            install_signal_handlers=False,  # ours set the stop event, which also cancels running crawls
            shutdown_graceful_timeout=self.config.scheduler.stop_timeout + 5,
            update_heartbeat_interval=HEARTBEAT_INTERVAL,
            stalled_worker_timeout=STALLED_AFTER,
            fetch_job_polling_interval=2.0,
            delete_jobs="successful",  # crawl_runs is the record of what ran; failed jobs stay for inspection
            additional_context={STATE_KEY: self.runner},
        )


async def repair_stalled_jobs(app: procrastinate.App) -> None:
    """Every few seconds: put the jobs of workers that stopped sending heartbeats back on the queue."""
    while True:
        await asyncio.sleep(REPAIR_INTERVAL)
        try:
            stalled = await app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=STALLED_AFTER)
        except exceptions.ConnectorException as error:
            log.debug("stalled-job check skipped: %s", error)
            continue
        for job in stalled:
            await _requeue(app, job)


async def _requeue(app: procrastinate.App, job: procrastinate.jobs.Job) -> None:
    source = job.task_kwargs.get("source")
    try:
        await app.job_manager.retry_job(job)
    except exceptions.UniqueViolation:
        # A later tick of the source is waiting already: it will run the source; this job ends here.
        await app.job_manager.finish_job_by_id_async(job.id, status=Status.FAILED, delete_job=False)
        log.warning("job %s of %s stalled (its worker died); a newer run is already queued", job.id, source)
        return
    except exceptions.ConnectorException as error:
        log.debug("job %s not retried (another worker may have): %s", job.id, error)
        return
    log.warning(
        "job %s of %s stalled (worker %s sent no heartbeat for %.0fs): queued again",
        job.id,
        source,
        job.worker_id,
        STALLED_AFTER,
    )
