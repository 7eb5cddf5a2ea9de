"""Extraction in worker processes with a bounded window, results delivered in submission order."""

from __future__ import annotations

import logging
import multiprocessing
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from crawler.replay.extraction import ExtractionTask, Outcome, extract_task, warm_up

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    future: Future
    task: ExtractionTask
    generation: int


@dataclass(frozen=True)
class _Marker:
    value: object


class _InlineExecutor(Executor):
    """One process: extract here, no pickling."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


class ExtractionWindow:
    """Runs tasks on ``processes`` workers, at most four per worker in flight, and hands back outcomes (and markers
    put between them) in the order they were submitted: storage sees captures oldest first, as the crawls did."""

    def __init__(
        self,
        processes: int,
        on_outcome: Callable[[Outcome], None],
        on_marker: Callable[[Any], None],
    ) -> None:
        self.processes = processes
        self.on_outcome = on_outcome
        self.on_marker = on_marker
        self._queue: deque[_Pending | _Marker] = deque()
        self._in_flight = 0
        self._generation = 0
        self._executor = self._new_executor()

    @property
    def _limit(self) -> int:
        return 1 if self.processes <= 1 else 4 * self.processes

    def submit(self, task: ExtractionTask) -> None:
        self._queue.append(_Pending(self._executor.submit(extract_task, task), task, self._generation))
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
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _deliver_one(self) -> None:
        entry = self._queue.popleft()
        if isinstance(entry, _Marker):
            self.on_marker(entry.value)
            return
        self._in_flight -= 1
        try:
            outcome = entry.future.result()
        except BrokenProcessPool:
            outcome = self._retry(entry)
        self.on_outcome(outcome)

    def _retry(self, entry: _Pending) -> Outcome:
        """A worker died (a crash in a native parser): a new pool, the task tried once more, then given up."""
        if entry.generation == self._generation:
            log.error("an extraction worker died; starting a new pool")
            self._renew()
        try:
            return self._executor.submit(extract_task, entry.task).result()
        except BrokenProcessPool:
            self._renew()
            return Outcome(entry.task.where, error="the extraction worker died on this record")

    def _renew(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = self._new_executor()
        self._generation += 1

    def _new_executor(self) -> Executor:
        if self.processes <= 1:
            return _InlineExecutor()
        # spawn, not fork: the parent holds a database connection and, on a terminal, a progress thread.
        return ProcessPoolExecutor(
            max_workers=self.processes, mp_context=multiprocessing.get_context("spawn"), initializer=warm_up
        )
