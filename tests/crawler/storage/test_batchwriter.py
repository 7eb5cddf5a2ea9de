"""BatchWriter: batches by size and time, flushes on demand, and survives a database that goes away and returns."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import psycopg

from crawler.storage.batchwriter import BatchWriter


class Recorder:
    """Collects the writer's callbacks (they run on the writer thread)."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.failed: list[int] = []
        self.errors: list[Exception] = []
        self.lock = threading.Lock()

    def write(self, conn: psycopg.Connection, batch: Sequence[int]) -> int:
        with conn.transaction(), conn.cursor() as cursor:
            cursor.executemany("INSERT INTO sources (name) VALUES (%s)", [(f"s{n}",) for n in batch])
        return len(batch)

    def done(self, batch: Sequence[int], result: int) -> None:
        with self.lock:
            self.batches.append(list(batch))

    def fail(self, batch: Sequence[int], error: Exception) -> None:
        with self.lock:
            self.failed += batch
            self.errors.append(error)


def stored(conn: psycopg.Connection) -> set[int]:
    return {int(row[0][1:]) for row in conn.execute("SELECT name FROM sources")}


def make_writer(url: str, recorder: Recorder, **kwargs) -> BatchWriter:
    kwargs.setdefault("batch_size", 3)
    kwargs.setdefault("interval", 60)
    return BatchWriter(url, recorder.write, on_done=recorder.done, on_failed=recorder.fail, **kwargs)


def test_batches_by_size_then_flush(database_url, db_conn):
    recorder = Recorder()
    writer = make_writer(database_url, recorder)
    for n in range(7):
        writer.put(n)
    assert writer.flush(timeout=30)
    assert recorder.batches == [[0, 1, 2], [3, 4, 5], [6]]
    assert writer.close(timeout=30)
    assert stored(db_conn) == set(range(7))


def test_batches_by_time(database_url):
    recorder = Recorder()
    writer = make_writer(database_url, recorder, batch_size=100, interval=0.2)
    writer.put(1)
    deadline = time.monotonic() + 10
    while not recorder.batches and time.monotonic() < deadline:
        time.sleep(0.02)
    assert recorder.batches == [[1]]
    writer.close(timeout=30)


def test_a_bad_row_costs_only_itself(database_url, db_conn):
    recorder = Recorder()
    writer = make_writer(database_url, recorder)
    for n in (1, 2, 1):  # the second 1 violates the primary key
        writer.put(n)
    writer.close(timeout=30)
    assert stored(db_conn) == {1, 2}
    assert recorder.failed == [1]
    assert isinstance(recorder.errors[0], psycopg.errors.UniqueViolation)


def test_outage_and_recovery(database_proxy, db_conn):
    recorder = Recorder()
    writer = make_writer(database_proxy.url, recorder, retry_after=0.0)
    writer.put(1)
    assert writer.flush(timeout=30)
    database_proxy.down()
    writer.put(2)
    assert writer.flush(timeout=30)
    assert recorder.failed == [2]
    database_proxy.up()
    writer.put(3)
    writer.close(timeout=30)
    assert stored(db_conn) == {1, 3}
    assert recorder.failed == [2]


def test_outage_backs_off_without_connecting(database_proxy):
    recorder = Recorder()
    writer = make_writer(database_proxy.url, recorder, retry_after=3600)
    database_proxy.down()
    started = time.monotonic()
    for n in range(6):
        writer.put(n)
    writer.close(timeout=30)
    assert recorder.failed == list(range(6))
    assert time.monotonic() - started < 5  # the second batch did not wait on a connection attempt


def test_put_after_close_is_reported(database_url):
    recorder = Recorder()
    writer = make_writer(database_url, recorder)
    writer.close(timeout=30)
    assert writer.put(9) is False
    assert recorder.failed == [9]
