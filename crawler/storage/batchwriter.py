"""A background writer: batches objects and writes them to PostgreSQL on its own thread, surviving outages.

Scrapy components hand objects over with :meth:`BatchWriter.put` (never blocks); a dedicated thread writes a batch
when it is full or ``interval`` seconds old, on its own autocommit connection. When the database is unreachable the
batch is reported failed (the WARC files hold everything; recovery or replay stores it later), the outage is logged
once, and no connection is attempted for ``retry_after`` seconds so a dead server does not slow the crawl down.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import psycopg

from crawler.errors import DatabaseUnavailable
from crawler.storage.database import connect, redact

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

WriteFn = Callable[[psycopg.Connection, Sequence[T]], R]
DoneFn = Callable[[Sequence[T], R], None]
FailedFn = Callable[[Sequence[T], Exception], None]


class _Flush:
    def __init__(self) -> None:
        self.done = threading.Event()


_STOP = object()


class BatchWriter(Generic[T, R]):
    """Writes batches with ``write(conn, batch)``; ``on_done``/``on_failed`` are called on the writer thread."""

    def __init__(
        self,
        url: str,
        write: WriteFn,
        *,
        on_done: DoneFn,
        on_failed: FailedFn,
        batch_size: int = 500,
        interval: float = 2.0,
        max_pending: int = 20_000,
        retry_after: float = 30.0,
        name: str = "newsarchive-db-writer",
    ) -> None:
        self.url = url
        self._write = write
        self._on_done = on_done
        self._on_failed = on_failed
        self.batch_size = batch_size
        self.interval = interval
        self.retry_after = retry_after
        self._queue: queue.Queue[object] = queue.Queue(maxsize=max_pending)
        self._conn: psycopg.Connection | None = None
        self._down_until = 0.0
        self._closing = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def put(self, obj: T) -> bool:
        """Queue ``obj``; False (and ``on_failed`` called) when the queue is full because writes fall behind."""
        if self._closing:
            self._on_failed([obj], RuntimeError("database writer already closed"))
            return False
        try:
            self._queue.put_nowait(obj)
        except queue.Full:
            self._on_failed([obj], OverflowError("database writer queue full"))
            return False
        return True

    def flush(self, timeout: float | None = None) -> bool:
        """Write everything queued so far; False when ``timeout`` passed first."""
        marker = _Flush()
        self._queue.put(marker)
        return marker.done.wait(timeout)

    def close(self, timeout: float | None = None) -> bool:
        """Write everything queued, then stop the thread and close the connection; False on timeout."""
        if not self._closing:
            self._closing = True
            self._queue.put(_STOP)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        pending: list[T] = []
        deadline = None
        while True:
            wait = None if deadline is None else max(deadline - time.monotonic(), 0)
            try:
                obj = self._queue.get(timeout=wait)
            except queue.Empty:
                obj = None
            if obj is _STOP or isinstance(obj, _Flush):
                self._write_batches(pending)
                pending, deadline = [], None
                if obj is _STOP:
                    self._disconnect()
                    return
                obj.done.set()
                continue
            if obj is not None:
                pending.append(obj)
                deadline = deadline or time.monotonic() + self.interval
            if len(pending) >= self.batch_size or (deadline is not None and time.monotonic() >= deadline):
                self._write_batches(pending)
                pending, deadline = [], None

    def _write_batches(self, pending: list[T]) -> None:
        for start in range(0, len(pending), self.batch_size):
            self._write_batch(pending[start : start + self.batch_size])

    def _write_batch(self, batch: list[T]) -> None:
        if not batch:
            return
        for attempt in (1, 2):
            reused = self._conn is not None
            try:
                result = self._write(self._connection(), batch)
            except (DatabaseUnavailable, psycopg.OperationalError, psycopg.InterfaceError) as error:
                self._disconnect()
                if reused and attempt == 1:
                    continue  # the server may have restarted since the last batch: try one fresh connection
                self._went_down(error)
                self._on_failed(batch, error)
            except psycopg.Error as error:
                self._isolate(batch, error)
            else:
                self._on_done(batch, result)
            return

    def _isolate(self, batch: list[T], error: psycopg.Error) -> None:
        """A batch refused for its data: write its objects one by one so one bad object costs only itself."""
        if len(batch) == 1:
            log.error("could not store %r: %s", batch[0], error)
            self._on_failed(batch, error)
            return
        log.warning("a batch of %d was refused (%s); storing one by one", len(batch), error)
        for obj in batch:
            self._write_batch([obj])

    def _connection(self) -> psycopg.Connection:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        if time.monotonic() < self._down_until:
            raise DatabaseUnavailable(f"{redact(self.url)} was unreachable; retrying later")
        self._conn = connect(self.url, autocommit=True)
        if self._down_until:
            log.info("database %s is back; storing again", redact(self.url))
            self._down_until = 0.0
        return self._conn

    def _went_down(self, error: Exception) -> None:
        now = time.monotonic()
        if now < self._down_until:
            return  # no connection was attempted: still waiting out the last failure
        if not self._down_until:
            log.warning("database %s unavailable, continuing without it: %s", redact(self.url), error)
        self._down_until = now + self.retry_after

    def _disconnect(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
