"""The synchronous core of every extraction pool: spawned workers tied to their parent, time-limited, replaceable."""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from crawler.logs import active_format
from crawler.workers import _worker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerSetup:
    """What every worker process starts with: its log set-up and the warm-up run once before its first task."""

    warm_up: Callable[[], None]
    """A picklable callable (a module-level function, or a ``functools.partial`` of one)."""
    log_level: str = "INFO"
    log_context: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Submitted:
    """One task handed to the workers: its future, the generation of workers that holds it, when it was handed."""

    future: Future
    generation: int
    at: float


class WorkerCore:
    """``processes`` spawned workers; each task runs under a time limit of ``timeout`` seconds (0: none).

    A worker gives a page up itself (:class:`~crawler.workers._worker.ExtractionTimedOut` raised from the task);
    a worker stuck where that cannot reach it (inside one C call) is killed once its task has been in flight for
    :attr:`hard_limit`: long enough for every task queued before it to have used its whole limit. A killed or
    crashed worker breaks the whole executor; :meth:`replace` starts new workers. Workers exit with their parent,
    even when it is killed outright. Not thread-safe: one thread (the reactor's, the replay loop's) drives it.
    """

    def __init__(self, processes: int, setup: WorkerSetup, *, timeout: float, in_flight_per_worker: int) -> None:
        if processes < 1:
            raise ValueError("an extraction pool needs at least one process")
        self.processes = processes
        self.setup = setup
        self.timeout = timeout
        self.in_flight_per_worker = in_flight_per_worker
        self.generation = 0
        self.restarts = 0
        self._executor: ProcessPoolExecutor | None = None

    @property
    def running(self) -> bool:
        return self._executor is not None

    @property
    def hard_limit(self) -> float:
        """Seconds in flight after which a task's workers are killed (0: never)."""
        return self.timeout * (self.in_flight_per_worker + 1) if self.timeout > 0 else 0.0

    def start(self) -> None:
        """Spawn every worker now, not one per task as they are first needed."""
        if self._executor is None:
            self._executor = self._new_executor()
            for _ in range(self.processes):
                self._executor.submit(_worker.ready)

    def submit(self, fn: Callable[..., Any], *args: Any, label: str) -> Submitted:
        """``fn(*args)`` in a worker, under the time limit (``label`` names the task in the timeout's message)."""
        if self._executor is None:
            raise RuntimeError("the extraction workers are not running")
        future = self._executor.submit(_worker.run_limited, self.timeout, label, fn, *args)
        return Submitted(future, self.generation, time.monotonic())

    def result(self, task: Submitted) -> Any:
        """The task's result, blocking; past :attr:`hard_limit` its workers are killed and BrokenProcessPool raised.

        Raises what the task raised (ExtractionTimedOut included), BrokenProcessPool when its worker died, and
        CancelledError when the workers were stopped before it ran.
        """
        remaining = max(0.0, task.at + self.hard_limit - time.monotonic()) if self.hard_limit else None
        try:
            return task.future.result(timeout=remaining)
        except FutureTimeout:
            self.kill(task.generation)
            raise BrokenProcessPool("a task did not end within its limit; its workers were killed") from None

    def kill(self, generation: int) -> None:
        """Kill the workers of ``generation`` (a running task cannot be cancelled, only its process killed); the
        tasks they held fail with BrokenProcessPool, and the first to notice calls :meth:`replace`."""
        if generation != self.generation or self._executor is None:
            return
        # No public way to kill an executor's processes before Python 3.14 (ProcessPoolExecutor.kill_workers).
        for process in list(getattr(self._executor, "_processes", {}).values()):
            process.kill()

    def replace(self, generation: int) -> None:
        """A worker of ``generation`` died: the whole executor is broken; new workers (once per generation)."""
        if generation != self.generation or self._executor is None:
            return
        log.error("an extraction worker died or was stopped; starting new workers")
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = self._new_executor()
        self.generation += 1
        self.restarts += 1

    def shutdown(self, *, kill: bool = False) -> None:
        """Stop the workers, waiting for the tasks they run (``kill``: killing them first)."""
        self.detach(kill=kill)()

    def detach(self, *, kill: bool = False) -> Callable[[], None]:
        """Stop taking tasks now; the returned call waits for the workers to exit (on another thread, if need be)."""
        executor, self._executor = self._executor, None
        if executor is None:
            return lambda: None
        if kill:
            for process in list(getattr(executor, "_processes", {}).values()):
                process.kill()
        return functools.partial(executor.shutdown, wait=True, cancel_futures=True)

    def _new_executor(self) -> ProcessPoolExecutor:
        # spawn, not fork: the parent has threads (database writer, CDXJ indexing, a progress bar) and open sockets.
        setup = self.setup
        return ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker.initialize,
            initargs=(os.getpid(), setup.log_level, active_format(), dict(setup.log_context), setup.warm_up),
        )
