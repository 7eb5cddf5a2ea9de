"""Stopping what a test started: a process and every process it started, however the test ends."""

from __future__ import annotations

import contextlib
import signal
import subprocess
from collections.abc import Iterator
from typing import TypeVar

import psutil

P = TypeVar("P", bound=subprocess.Popen)
REAP_TIMEOUT = 30.0


def kill_tree(pid: int) -> list[psutil.Process]:
    """SIGKILL a process and every descendant at once (as a power cut or the OOM killer sweeping a cgroup would);
    the processes signalled. Descendants are found before any dies: a dead parent's children are orphans nobody
    can find through it any more (a crawl child runs in a session of its own)."""
    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []
    for process in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.send_signal(signal.SIGKILL)
    return tree


def stop_tree(process: subprocess.Popen, *, graceful: float = 0.0, timeout: float = REAP_TIMEOUT) -> None:
    """Make sure ``process`` and whatever it started are gone and reaped, and its pipes closed.

    ``graceful``: seconds ``process`` has to exit on SIGTERM first (a server that stops its children itself); what
    is left after that, or at once without it, is killed. A no-op for a process that already exited (children of
    its own still running, if any, are the session check's to name: nothing here can find them any more).
    """
    if process.poll() is None:
        tree = [*_descendants(process.pid)]
        if graceful:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(graceful)
        for member in (*kill_tree(process.pid), *tree):
            with contextlib.suppress(psutil.NoSuchProcess):
                member.send_signal(signal.SIGKILL)
        psutil.wait_procs(tree, timeout=timeout)
        process.wait(timeout)
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


@contextlib.contextmanager
def reaped(process: P) -> Iterator[P]:
    """``process`` for the block; afterwards it and every process it started are gone, whether the block returned,
    failed or was interrupted (a test stops it gracefully inside the block when that is what it checks)."""
    try:
        yield process
    finally:
        stop_tree(process)
