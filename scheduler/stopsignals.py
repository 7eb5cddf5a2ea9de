"""Turning SIGTERM/SIGINT into a stop event, so a foreground run ends cleanly (WARCs closed, row finished)."""

from __future__ import annotations

import logging
import signal
import threading

log = logging.getLogger(__name__)


def stop_on_signals(*signums: int) -> threading.Event:
    """An event set by the first of ``signums`` (default SIGTERM and SIGINT)."""
    stop = threading.Event()

    def handler(signum: int, _frame: object) -> None:
        log.warning("%s received: stopping", signal.Signals(signum).name)
        stop.set()

    for signum in signums or (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, handler)
    return stop
