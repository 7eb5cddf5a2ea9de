"""What runs inside an extraction worker process: its one-time setup, then one page per task."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from crawler.extract.article import Article
from crawler.process import set_parent_death_signal

log = logging.getLogger(__name__)

T = TypeVar("T")

PARENT_CHECK_INTERVAL = 1.0
ExtractResult = tuple[Article | None, str | None]
"""The article, or ``None`` and why the page holds none."""


def initialize(
    parent: int, log_level: str, log_format: str, context: Mapping[str, str], warm: Callable[[], object]
) -> None:
    """Once per worker: die with the parent (a crawl or a replay), leave Ctrl-C to it, log like it, ``warm()``."""
    die_with(parent)
    # A terminal's Ctrl-C reaches the whole process group; the parent decides how its workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from crawler.logs import set_log_context, setup_logging

    setup_logging(log_level, log_format)
    set_log_context(**context)
    warm()


def die_with(parent: int) -> None:
    """Exit when the process ``parent`` is gone, even if it was killed outright (SIGKILL after a deadline).

    A worker never sees end-of-file on its task queue (it holds both ends), so it would otherwise wait forever.
    """
    set_parent_death_signal(signal.SIGTERM)
    # The signal only comes if the parent dies after the prctl call; the watch also covers the time before it.
    threading.Thread(target=_watch_parent, args=(parent,), name="parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_INTERVAL)
    os._exit(1)


def warm_up(mode: str) -> None:
    """``crawler.extract.warm_up`` for ``mode``, imported in the worker (not in the parent that names it)."""
    from crawler.extract import warm_up as warm_extractors

    warm_extractors(mode)


def ready() -> bool:
    """A no-op task: submitted once per worker at start so every process is spawned before the first page."""
    return True


def run_limited(limit: float, label: str, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)``, raising :class:`ExtractionTimedOut` (naming ``label``) past ``limit`` seconds (0: no limit)."""
    with time_limit(limit, label):
        return fn(*args)


def extract_page(body: bytes, url: str, headers: Mapping[str, str], mode: str) -> ExtractResult:
    """``crawler.extract.extract_article`` on one page, its :class:`NotAnArticle` returned rather than raised."""
    from crawler.errors import NotAnArticle
    from crawler.extract import extract_article

    try:
        return extract_article(body, url, headers, mode=mode), None
    except NotAnArticle as reason:
        return None, str(reason)


class ExtractionTimedOut(BaseException):
    """A page took longer than its limit in a worker: the worker gave it up and is free for the next page.

    A BaseException, like KeyboardInterrupt: extractors catch ``Exception`` around their own steps (one failing
    candidate must not lose the page), and a time limit must not be caught there.
    """


@contextmanager
def time_limit(seconds: float, label: str) -> Iterator[None]:
    """Raise :class:`ExtractionTimedOut` in this (the main) thread after ``seconds`` of wall time.

    SIGALRM interrupts Python code, which is where extractors spend their time on a pathological page (loops over
    nodes, regular expressions between calls); a hang inside one C call is left to the pool, which kills the worker.
    """
    if seconds <= 0:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise ExtractionTimedOut(f"extraction of {label} took over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
