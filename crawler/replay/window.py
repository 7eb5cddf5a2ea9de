"""Replay's adapter on the extraction worker core: a bounded window of tasks, outcomes in submission order."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from crawler.replay.extraction import ExtractionTask, Outcome, extract_task, warm_up
from crawler.settings import NEWSARCHIVE_EXTRACT_TIMEOUT
from crawler.workers import ExtractionTimedOut, Submitted, WorkerCore, WorkerSetup, time_limit

log = logging.getLogger(__name__)

IN_FLIGHT_PER_WORKER = 4
"""Tasks handed to the workers per process: enough that none idles while the parent reads and stores."""


@dataclass
class _Pending:
    submitted: Submitted
    task: ExtractionTask


@dataclass(frozen=True)
class _Marker:
    value: object


class ExtractionWindow:
    """Runs tasks on ``processes`` workers (1: here, in this process), at most four per worker in flight, and hands
    back outcomes (and markers put between them) in the order they were submitted: storage sees captures oldest
    first, as the crawls did.

    A task over ``timeout`` seconds (0: no limit) is given up: its outcome says so (``timed_out``). In workers,
    the limit is the crawl's (:class:`~crawler.workers.WorkerCore`: given up by the worker, or the worker killed
    and replaced when stuck in a C call); in this process it interrupts Python code only, and only on the main
    thread. Workers exit with this process, even when it is killed outright.
    """

    def __init__(
        self,
        processes: int,
        on_outcome: Callable[[Outcome], None],
        on_marker: Callable[[Any], None],
        *,
        timeout: float = NEWSARCHIVE_EXTRACT_TIMEOUT,
    ) -> None:
        self.processes = processes
        self.timeout = timeout
        self.on_outcome = on_outcome
        self.on_marker = on_marker
        self._queue: deque[_Pending | _Marker] = deque()
        self._in_flight = 0
        self._core: WorkerCore | None = None
        if processes > 1:
            level = logging.getLevelName(logging.getLogger().getEffectiveLevel())
            setup = WorkerSetup(warm_up, level)
            self._core = WorkerCore(processes, setup, timeout=timeout, in_flight_per_worker=IN_FLIGHT_PER_WORKER)
            self._core.start()

    @property
    def _limit(self) -> int:
        return 1 if self._core is None else IN_FLIGHT_PER_WORKER * self.processes

    def submit(self, task: ExtractionTask) -> None:
        self._queue.append(_Pending(self._start(task), task))
        self._in_flight += 1
        while self._in_flight >= self._limit:
            self._deliver_one()

    def mark(self, value: object) -> None:
        """``on_marker(value)`` once every task submitted so far is delivered."""
        self._queue.append(_Marker(value))
        if self._in_flight == 0:
            self.drain()

    def drain(self) -> None:
        while self._queue:
            self._deliver_one()

    def close(self) -> None:
        """Stop the workers once their tasks are done (every task is, after :meth:`drain`)."""
        if self._core is not None:
            self._core.shutdown()

    def abort(self) -> None:
        """Stop the workers now, killing them: the replay failed, nothing in flight will be delivered."""
        if self._core is not None:
            self._core.shutdown(kill=True)

    def _start(self, task: ExtractionTask) -> Submitted:
        if self._core is None:
            return _inline(task, self.timeout)
        return self._core.submit(extract_task, task, label=str(task.where))

    def _deliver_one(self) -> None:
        entry = self._queue.popleft()
        if isinstance(entry, _Marker):
            self.on_marker(entry.value)
            return
        self._in_flight -= 1
        try:
            outcome = self._outcome(entry.submitted, entry.task)
        except (BrokenProcessPool, CancelledError):
            outcome = self._retry(entry)
        self.on_outcome(outcome)

    def _outcome(self, submitted: Submitted, task: ExtractionTask) -> Outcome:
        try:
            return self._core.result(submitted) if self._core is not None else submitted.future.result()
        except ExtractionTimedOut as error:
            return Outcome(task.where, error=str(error), timed_out=True)

    def _retry(self, entry: _Pending) -> Outcome:
        """A worker died (a crash in a native parser, or killed stuck): new workers, the task tried once more."""
        self._core.replace(entry.submitted.generation)
        again = self._core.submit(extract_task, entry.task, label=str(entry.task.where))
        try:
            return self._outcome(again, entry.task)
        except (BrokenProcessPool, CancelledError):
            self._core.replace(again.generation)
            return Outcome(entry.task.where, error="the extraction worker died on this record")


def _inline(task: ExtractionTask, timeout: float) -> Submitted:
    """``extract_task(task)`` here and now, as a finished future (no pickling)."""
    future: Future = Future()
    # SIGALRM, which the limit uses, can only be handled on the main thread.
    limit = timeout if threading.current_thread() is threading.main_thread() else 0
    try:
        with time_limit(limit, str(task.where)):
            future.set_result(extract_task(task))
    except ExtractionTimedOut as error:
        future.set_exception(error)
    return Submitted(future, 0, time.monotonic())
