"""Fails the test session when a process it started outlives it; each pytest-xdist worker checks its own.

A process counts as started by the session when it descends from this pytest process, or when it carries the
session's token in its environment (set here before any test runs, so every process started from a test inherits
it): a server whose parent was killed is an orphan, no longer anybody's descendant, but still found by its token.
The check runs at the end of the session, after every other fixture was torn down (it is set up first, so it is
torn down last); what it finds is named in the failure, then killed, so a failing run does not leave it behind.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Iterator

import psutil
import pytest

TOKEN_VARIABLE = "NEWSARCHIVE_TEST_SESSION"
GRACE_VARIABLE = "NEWSARCHIVE_TEST_PROCESS_GRACE"
OWN_HELPERS = ("from multiprocessing.resource_tracker import main", "from multiprocessing.forkserver import main")
"""multiprocessing's per-process helpers (started once, for process pools): they live as long as this process
and end when it does (each reads a pipe from it until end of file), so they are not left behind."""
GRACE = 10.0
"""Seconds a process stopped at teardown may still take to exit (a server finishing its shutdown); the
environment's ``NEWSARCHIVE_TEST_PROCESS_GRACE`` overrides it (the check's own test, which leaks on purpose)."""


@pytest.fixture(scope="session", autouse=True)
def no_process_outlives_the_session() -> Iterator[None]:
    token = f"{os.getpid()}-{uuid.uuid4().hex}"
    os.environ[TOKEN_VARIABLE] = token
    already = {process.pid for process in psutil.Process().children(recursive=True)}
    yield
    leftovers = [p for p in started_by(token) if p.pid not in already and not _own_helper(p)]
    grace = float(os.environ.get(GRACE_VARIABLE) or GRACE)
    _, alive = psutil.wait_procs(leftovers, timeout=grace) if leftovers else ([], [])
    alive = [process for process in alive if _running(process)]
    if alive:
        described = "\n".join(describe(process) for process in alive)
        for process in alive:
            with contextlib.suppress(psutil.Error):
                process.kill()
        pytest.fail(
            f"{len(alive)} process(es) started by the tests outlived them (now killed); stop what a test starts in a "
            f"`finally` (tests.support.processes.reaped):\n{described}",
            pytrace=False,
        )


def started_by(token: str) -> list[psutil.Process]:
    """This process's descendants and every process carrying ``token`` in its environment, this one excepted."""
    found = {process.pid: process for process in psutil.Process().children(recursive=True)}
    for process in psutil.process_iter():
        if process.pid in found or process.pid == os.getpid():
            continue
        with contextlib.suppress(psutil.Error):  # gone, a zombie, or another user's (its environment is closed)
            if process.environ().get(TOKEN_VARIABLE) == token:
                found[process.pid] = process
    return [process for process in found.values() if _running(process)]


def describe(process: psutil.Process) -> str:
    try:
        with process.oneshot():
            command = " ".join(process.cmdline()) or process.name()
            age = time.time() - process.create_time()
            parent = process.ppid()
    except psutil.Error as error:
        return f"  pid {process.pid}: ({type(error).__name__})"
    return f"  pid {process.pid} (parent {parent}, started {age:.0f}s ago): {command[:300]}"


def _own_helper(process: psutil.Process) -> bool:
    try:
        command = " ".join(process.cmdline())
        return process.ppid() == os.getpid() and any(helper in command for helper in OWN_HELPERS)
    except psutil.Error:
        return False


def _running(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
