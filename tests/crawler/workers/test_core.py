"""The worker core on its own: a task over its limit given up by its worker, a stuck worker killed and replaced."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool

import pytest

from crawler.workers import ExtractionTimedOut, WorkerCore, WorkerSetup


def nothing() -> None:
    """The warm-up: these tasks need none."""


def square(value: int) -> int:
    return value * value


def busy(seconds: float) -> None:
    """Python code running for ``seconds``: what a pathological page keeps an extractor doing."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass


def stuck(seconds: float) -> None:
    """A worker the time limit cannot reach (as inside one long C call): SIGALRM blocked, then asleep."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(seconds)


@pytest.fixture
def core() -> Iterator[WorkerCore]:
    core = WorkerCore(1, WorkerSetup(nothing), timeout=0.5, in_flight_per_worker=1)
    core.start()
    # The worker is spawned by the first task: started now, its start-up (seconds on a loaded machine) does not
    # count against the half-second limits the tests are about.
    assert core.result(core.submit(square, 2, label="warm-up")) == 4
    try:
        yield core
    finally:
        core.shutdown(kill=True)


def test_a_task_over_its_limit_is_given_up_by_its_worker_which_goes_on(core: WorkerCore) -> None:
    started = time.monotonic()
    with pytest.raises(ExtractionTimedOut, match="busy page"):
        core.result(core.submit(busy, 30, label="busy page"))
    assert time.monotonic() - started < 10
    assert core.result(core.submit(square, 3, label="next")) == 9
    assert core.restarts == 0


def test_a_worker_stuck_past_the_hard_limit_is_killed_and_replaced(core: WorkerCore) -> None:
    assert core.hard_limit == 1.0  # the limit times (tasks in flight per worker + 1)
    task = core.submit(stuck, 60, label="stuck page")
    started = time.monotonic()
    with pytest.raises(BrokenProcessPool):
        core.result(task)
    assert time.monotonic() - started < 10
    core.replace(task.generation)
    core.replace(task.generation)  # a second notice of the same broken workers starts no more
    assert core.restarts == 1
    assert core.result(core.submit(square, 4, label="next")) == 16
