"""The fleet bench's processes: the daemon and workers as the CLI starts them, their CPU and memory, the queue.

CPU is read per process tree through psutil (a worker's forked crawls are reaped by its fork server, whose
``children_*`` times count them); memory is the daemon's resident set, sampled, and its high-water mark.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from crawler.storage.database import connect

CLI = [sys.executable, "-m", "scheduler"]
ENV = {**os.environ, "NEWSARCHIVE_DATABASE_URL": "", "DATABASE_URL": ""}
"""The config file names the database; an override in the caller's environment must not redirect the bench."""

EVENTS_COPY = """
CREATE TABLE IF NOT EXISTS bench_job_events (job_id bigint, type text, at timestamptz);
CREATE OR REPLACE FUNCTION bench_copy_job_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bench_job_events VALUES (NEW.job_id, NEW.type::text, NEW.at);
    RETURN NEW;
END;
$$;
DROP TRIGGER IF EXISTS bench_copy_job_event ON procrastinate_events;
CREATE TRIGGER bench_copy_job_event AFTER INSERT ON procrastinate_events
    FOR EACH ROW EXECUTE PROCEDURE bench_copy_job_event();
"""
"""Workers delete a successful job with its events; the bench keeps a copy of each event to time the queue."""


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process, its live descendants and everything they reaped."""
    total = 0.0
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(pid)
        for process in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system + times.children_user + times.children_system
    return total


def high_water_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


class Processes:
    """Started CLI processes, each stopped with SIGTERM (then SIGKILL) on exit: none outlives the bench."""

    def __init__(self, config: Path, log: Path, code: Path | None = None) -> None:
        self.config = config
        self.log = log
        self.code = code
        """Another checkout to run the daemon and workers from (a before/after comparison); None: this one."""
        self.started: list[subprocess.Popen] = []

    def daemon(self, config: Path | None = None) -> subprocess.Popen:
        return self._start([*CLI, "--config", str(config or self.config), "--log-level", "WARNING", "daemon"])

    def worker(self, name: str, concurrency: int) -> subprocess.Popen:
        command = [*CLI, "--config", str(self.config), "--log-level", "WARNING", "worker", "--name", name]
        return self._start([*command, "--concurrency", str(concurrency)])

    def stop(self, process: subprocess.Popen, timeout: float = 60) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        if process in self.started:
            self.started.remove(process)

    def check(self) -> None:
        """Raise RuntimeError when a started process has exited (with the end of the bench's log)."""
        for process in self.started:
            if process.poll() is not None:
                tail = self.log.read_text(encoding="utf-8", errors="replace")[-3000:]
                raise RuntimeError(f"{' '.join(process.args[2:])} exited {process.returncode}:\n{tail}")

    def _start(self, command: list[str]) -> subprocess.Popen:
        with self.log.open("ab") as log:
            env = ENV if self.code is None else {**ENV, "PYTHONPATH": str(self.code)}
            process = subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=self.code)
        self.started.append(process)
        return process

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc: object) -> None:
        for process in list(self.started):
            self.stop(process)


class RssSampler:
    """Samples one process's RSS every ``interval`` seconds in a thread; ``peak_mb`` the highest seen."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-rss", daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            with contextlib.suppress(psutil.Error, OSError):
                self.peak_mb = max(self.peak_mb, rss_mb(self.pid), high_water_mb(self.pid))


def wait_for(
    condition: Callable[[], bool], timeout: float, what: str, poll: float = 0.5, alive: Processes | None = None
) -> float:
    """Poll ``condition`` until true; the seconds it took. Raises TimeoutError naming ``what``, or RuntimeError
    when one of the processes of ``alive`` has ended meanwhile (its log says why)."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{what}: not within {timeout:.0f}s")
        if alive is not None:
            alive.check()
        time.sleep(poll)
    return time.monotonic() - started


def scalar(url: str, query: str, params: list | None = None) -> object:
    with connect(url, autocommit=True) as conn:
        return conn.execute(query, params or []).fetchone()[0]
