"""A crawl's extraction workers on the reactor: started once per run, bounded in flight, stopped with the spider."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Mapping
from concurrent.futures import CancelledError, Future
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer
from twisted.internet.defer import Deferred, DeferredSemaphore
from twisted.internet.threads import deferToThread

from crawler import settings as defaults
from crawler.errors import NewsarchiveError, NotAnArticle
from crawler.extract.article import Article
from crawler.workers import _worker
from crawler.workers.core import WorkerCore, WorkerSetup

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

MAX_WORKERS = 4
IN_FLIGHT_PER_WORKER = 2
"""Pages handed to each worker at once: one being extracted, one waiting in its pipe, so no worker idles between
pages. Further pages wait in the spider (Scrapy's scraper slot then holds back new downloads: back-pressure)."""


class WorkerFailed(NewsarchiveError):
    """A page went over its time limit, or its worker died on it twice (a crash in a native parser): the page stays
    in the WARCs only."""


def default_workers() -> int:
    """One extraction process per core, up to four: the crawl process itself needs most of one core on two."""
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


class ExtractionPool:
    """The crawl's adapter on :class:`WorkerCore`: ``crawler.extract.extract_article`` in ``processes`` workers, its
    results as awaitables on the reactor thread.

    Settings: ``NEWSARCHIVE_EXTRACT_WORKERS`` (0: extract on the reactor thread, no pool; unset: one per core, at
    most four), ``NEWSARCHIVE_EXTRACT_WORKERS_AFTER`` (article pages extracted in-process before the workers start,
    default 100: starting them costs a few CPU seconds, more than a small scheduled run extracts),
    ``NEWSARCHIVE_EXTRACT_TIMEOUT`` (seconds a page may take in a worker, default 60; 0: no limit).
    Stats: ``newsarchive/extract/workers``, ``…/worker_restarts``, ``…/timeouts``; the spider counts
    ``…/worker_failed``.
    """

    def __init__(
        self,
        processes: int,
        *,
        mode: str,
        start_after: int = 0,
        timeout: float = defaults.NEWSARCHIVE_EXTRACT_TIMEOUT,
        log_level: str = "INFO",
        log_context: Mapping[str, str] | None = None,
    ) -> None:
        setup = WorkerSetup(functools.partial(_worker.warm_up, mode), log_level, dict(log_context or {}))
        self.core = WorkerCore(processes, setup, timeout=timeout, in_flight_per_worker=IN_FLIGHT_PER_WORKER)
        self.processes = processes
        self.mode = mode
        self.start_after = start_after
        self.timeout = timeout
        self.crawler: Crawler | None = None
        """The crawl the pool belongs to (its stats are counted), if any."""
        self._slots = DeferredSemaphore(processes * IN_FLIGHT_PER_WORKER)
        self._armed = False
        self._pages = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, mode: str) -> ExtractionPool | None:
        """A pool tied to the crawl's lifetime (armed at spider_opened, stopped at spider_closed), or None."""
        processes = worker_count(crawler.settings.get("NEWSARCHIVE_EXTRACT_WORKERS"))
        if processes == 0:
            return None
        settings = crawler.settings
        context = {"source": settings.get("NEWSARCHIVE_SOURCE") or "", "run_id": settings.get("NEWSARCHIVE_RUN_ID")}
        context = {key: str(value) for key, value in context.items() if value}
        pool = cls(
            processes,
            mode=mode,
            start_after=settings.getint(
                "NEWSARCHIVE_EXTRACT_WORKERS_AFTER", defaults.NEWSARCHIVE_EXTRACT_WORKERS_AFTER
            ),
            timeout=settings.getfloat("NEWSARCHIVE_EXTRACT_TIMEOUT", defaults.NEWSARCHIVE_EXTRACT_TIMEOUT),
            log_level=settings.get("LOG_LEVEL") or "INFO",
            log_context=context,
        )
        crawler.signals.connect(pool.arm, signal=signals.spider_opened)
        crawler.signals.connect(pool.close, signal=signals.spider_closed)
        pool.crawler = crawler
        return pool

    @property
    def running(self) -> bool:
        return self.core.running

    @property
    def restarts(self) -> int:
        return self.core.restarts

    def arm(self, spider: object = None) -> None:
        """The crawl has started: from now on :meth:`take` may start the workers."""
        self._armed = True
        if self.start_after <= 0:
            self.start()

    def take(self) -> bool:
        """Whether the next article page goes to the workers (starting them past ``start_after`` pages)."""
        if self.core.running:
            return True
        if not self._armed:
            return False
        self._pages += 1
        if self._pages <= self.start_after:
            return False
        self.start()
        return True

    def start(self, spider: object = None) -> None:
        """Spawn every worker now, not one per page as they are first needed."""
        if not self.core.running:
            if self.crawler is not None:
                self.crawler.stats.set_value("newsarchive/extract/workers", self.processes)
            self.core.start()

    async def close(self, spider: object = None, reason: str | None = None) -> None:
        """Stop the workers, waiting off the reactor thread (Scrapy awaits this before the crawl ends)."""
        self._armed = False
        await maybe_deferred_to_future(deferToThread(self.core.detach()))

    def shutdown(self) -> None:
        """Stop the workers now, blocking (outside a crawl: tests and benchmarks)."""
        self.core.shutdown()

    async def extract(self, body: bytes, url: str, headers: Mapping[str, str]) -> Article:
        """``extract_article(body, url, headers, mode=self.mode)`` in a worker; :class:`NotAnArticle` as there.

        Waits for a free slot first, so at most ``processes * IN_FLIGHT_PER_WORKER`` pages are in the workers.
        """
        await maybe_deferred_to_future(self._slots.acquire())
        try:
            article, reason = await self._run(body, url, headers)
        finally:
            self._slots.release()
        if article is None:
            raise NotAnArticle(reason or "not an article")
        return article

    async def _run(self, body: bytes, url: str, headers: Mapping[str, str]) -> _worker.ExtractResult:
        for _ in range(2):
            generation = self.core.generation
            try:
                return await self._attempt(body, url, headers)
            except _worker.ExtractionTimedOut as error:
                if self.crawler is not None:
                    self.crawler.stats.inc_value("newsarchive/extract/timeouts")
                raise WorkerFailed(str(error)) from None
            except (BrokenProcessPool, CancelledError):
                # A worker died, or was stopped, while this page was queued or running in it.
                self._replace(generation)
                if not self.core.running:
                    raise WorkerFailed(f"the extraction pool stopped before {url} was extracted") from None
        raise WorkerFailed(f"extraction workers failed twice on {url}")

    async def _attempt(self, body: bytes, url: str, headers: Mapping[str, str]) -> _worker.ExtractResult:
        """One try; past the core's hard limit (a worker stuck inside one C call) its workers are killed."""
        task = self.core.submit(_worker.extract_page, body, url, headers, self.mode, label=url)
        deferred = _as_deferred(task.future)
        if self.core.hard_limit:
            from twisted.internet import reactor

            deferred.addTimeout(self.core.hard_limit, reactor)
        try:
            return await maybe_deferred_to_future(deferred)
        except defer.TimeoutError:
            self.core.kill(task.generation)
            raise BrokenProcessPool(f"extraction of {url} did not end; its workers were killed") from None

    def _replace(self, generation: int) -> None:
        restarts = self.core.restarts
        self.core.replace(generation)
        if self.core.restarts > restarts and self.crawler is not None:
            self.crawler.stats.inc_value("newsarchive/extract/worker_restarts")


def worker_count(value: Any) -> int:
    """``NEWSARCHIVE_EXTRACT_WORKERS``: unset or ``auto`` → one per core (at most four); 0 → in-process."""
    if value is None or value == "" or value == "auto":
        return default_workers()
    count = int(value)
    if count < 0:
        raise ValueError(f"NEWSARCHIVE_EXTRACT_WORKERS must be >= 0, not {value!r}")
    return count


def _as_deferred(future: Future) -> Deferred:
    """A Deferred fired on the reactor thread when ``future`` (completed in the executor's thread) is done."""
    from twisted.internet import reactor  # here: importing it at module level would install the default reactor

    deferred: Deferred = Deferred()

    def done(completed: Future) -> None:
        reactor.callFromThread(_fire, deferred, completed)

    future.add_done_callback(done)
    return deferred


def _fire(deferred: Deferred, future: Future) -> None:
    if deferred.called:  # timed out already (see ExtractionPool._attempt)
        return
    if future.cancelled():
        deferred.errback(CancelledError())
        return
    error = future.exception()
    if error is not None:
        deferred.errback(error)
    else:
        deferred.callback(future.result())
