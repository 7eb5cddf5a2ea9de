"""Queue-mode fixtures: replica publishers (one per source), a daemon and workers as real subprocesses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from replica import ReplicaPublisher, ReplicaSite, faults
from tests.scheduler.daemon_process import DaemonProcess, daemon_config


@pytest.fixture
def processes() -> Iterator[list[DaemonProcess]]:
    """Daemons and workers a test starts; any still running at the end are killed."""
    started: list[DaemonProcess] = []
    yield started
    for process in started:
        process.stop()


@pytest.fixture
def publishers() -> Iterator[list[ReplicaPublisher]]:
    """Six replica sites on their own ports (sources must not share article URLs), six articles each, with the fault
    routes (a slow page keeps a run going)."""
    servers = [ReplicaPublisher(ReplicaSite(n_articles=6, seed=seed), mounts=[faults.MOUNT]) for seed in range(1, 7)]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.stop()


def host_config(folder: Path, database_url: str, sources: str, *, stop_timeout: str = "10s") -> Path:
    """The config of one host (its own data and archive under ``folder``), in queue mode."""
    folder.mkdir(parents=True, exist_ok=True)
    return daemon_config(
        folder / "newsarchive.toml", database_url, sources, stop_timeout=stop_timeout, extra='mode = "queue"\n'
    )


def start(processes: list[DaemonProcess], config: Path, name: str, *command: str) -> DaemonProcess:
    process = DaemonProcess(config, config.parent / f"{name}.log", command or ("daemon",)).start()
    processes.append(process)
    return process


def start_worker(processes: list[DaemonProcess], config: Path, name: str, concurrency: int = 2) -> DaemonProcess:
    return start(processes, config, name, "worker", "--name", name, "--concurrency", str(concurrency))
