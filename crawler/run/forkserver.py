"""Crawl processes forked from a pre-imported server: start-up is paid once per worker, each crawl stays isolated.

A fresh ``python -m crawler.run.child`` costs about 1.5 s of CPU before it fetches anything (imports, Scrapy's
component loading), which dwarfs an incremental run of an unchanged source. multiprocessing's ``forkserver`` keeps a
single-threaded process that has imported :mod:`crawler.run.preload` once; every crawl is a fork of it, so it starts
warm yet is still its own process (Twisted's reactor cannot restart, and a crash or leak must not reach the worker).
The server is started by the first crawl and exits with its parent; its children get SIGKILL when it does.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from multiprocessing.context import ForkServerContext
from pathlib import Path

from crawler.process import set_parent_death_signal

PRELOAD = ["crawler.run.preload"]

_lock = threading.Lock()
_context: ForkServerContext | None = None


def fork_context() -> ForkServerContext:
    """The process-wide fork-server context (the server itself starts lazily, with the first crawl)."""
    global _context
    with _lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _context = context
        return _context


class ForkedCrawl:
    """A crawl forked from the server, with the small part of :class:`subprocess.Popen` the runner uses."""

    def __init__(self, spec_path: Path) -> None:
        # The server was started with the environment and directory of its first caller; a crawl runs with ours.
        self._process = fork_context().Process(
            target=forked_main,
            args=(str(spec_path), dict(os.environ), os.getcwd()),
            name=f"crawl {spec_path.parent.name}",
            daemon=False,
        )
        self._process.start()
        self.pid: int = self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(f"crawl {self.pid}", timeout or 0)
        return self._process.exitcode


def _release_server_lifeline() -> None:
    """Close our copy of the worker's end of the server's lifeline pipe.

    multiprocessing hands every forked child a duplicate of it (so a child could fork in turn); while a child holds
    it, the server never sees the worker die, never exits, and the parent-death signal above never fires.
    """
    from multiprocessing import forkserver

    alive = forkserver._forkserver._forkserver_alive_fd
    if alive is not None:
        with contextlib.suppress(OSError):
            os.close(alive)
        forkserver._forkserver._forkserver_alive_fd = None


def forked_main(spec_path: str, environ: dict[str, str], cwd: str) -> None:
    """The forked child: the same isolation the subprocess path has, then the usual crawl entry point."""
    # SIGKILL when the server dies (it dies with the worker): the worker's source lock is gone with it, so an orphan
    # still stopping gracefully would overlap the next run. Its .open WARC is recovered by that run.
    set_parent_death_signal(signal.SIGKILL)
    _release_server_lifeline()
    os.setsid()  # as start_new_session: a terminal's Ctrl-C reaches the worker only, which stops us with one SIGTERM
    os.environ.clear()
    os.environ.update(environ)
    os.chdir(cwd)
    from crawler.run.child import main

    sys.exit(main([spec_path]))
