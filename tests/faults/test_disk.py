"""The archive cannot be written: a full disk mid-crawl, or a read-only archive directory from the start.

As root (CI containers, this machine) the archive directory is a real tmpfs mount: 120 kB (full after a few
pages) or read-only. Without root the same faults come from ``RLIMIT_FSIZE`` (writes past the limit fail with
EFBIG) and a directory without write permission.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.faults._support import count_records, open_files, warc_files, warcio_check
from tests.support.cli import query, replica_source_toml, run_cli, write_config

FULL_SIZE = 120 * 1024


@contextmanager
def mounted_tmpfs(path: Path, options: str) -> Iterator[bool]:
    """``path`` as a tmpfs with ``options``; False (nothing mounted) when mounting is not allowed."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        yield False
        return
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    if mount.returncode != 0:
        yield False
        return
    try:
        yield True
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _assert_archive_consistent(archive: Path, database_url: str) -> list[Path]:
    assert not open_files(archive)
    files = warc_files(archive)
    for path in files:
        assert subprocess.run(["gzip", "-t", str(path)], capture_output=True).returncode == 0, path
        check = warcio_check(path)
        assert check.returncode == 0, check.stdout + check.stderr
    assert not list(archive.rglob("*.tmp")), "half an index was left behind"
    assert query(database_url, "SELECT count(*) FROM captures")[0][0] == count_records(files)
    return files


def test_disk_full_mid_crawl_stops_cleanly(tmp_path: Path, database_url: str, publisher) -> None:
    config = write_config(tmp_path, database_url, replica_source_toml(publisher.base_url))
    archive = tmp_path / "data" / "archive"
    with mounted_tmpfs(archive, f"size={FULL_SIZE}") as mounted:
        extra: dict[str, Any] = {} if mounted else {"preexec_fn": _file_size_limit(FULL_SIZE)}
        result = run_cli(config, "crawl", "replica", **extra)

        assert result.returncode == 1, result.stderr[-3000:]
        [(status, error, stats)] = query(database_url, "SELECT status, error, stats FROM crawl_runs")
        assert status == "failed" and "warc_error" in error
        cause = "No space left on device" if mounted else "File too large"
        assert cause in stats["newsarchive/warc/error"]
        assert stats["finish_reason"] == "warc_error"
        failures = [line for line in result.stderr.splitlines() if "WARC write failed; stopping the crawl" in line]
        assert len(failures) == 1 and cause in failures[0] and "Traceback" not in result.stderr
        files = _assert_archive_consistent(archive, database_url)
        assert len(files) == 1
    # Articles whose pages reached the archive before it filled up are stored; nothing else is.
    stored = query(database_url, "SELECT count(*) FROM articles")[0][0]
    print(f"disk full: {stats['newsarchive/warc/records']} records, {stats['newsarchive/warc/errors']} failed writes,"
          f" {stored} articles stored; {stats['newsarchive/warc/error']}")  # fmt: skip
    assert 0 < stored < len(publisher.site.articles)


def test_read_only_archive_fails_the_run_with_the_reason(tmp_path: Path, database_url: str, publisher) -> None:
    config = write_config(tmp_path, database_url, replica_source_toml(publisher.base_url))
    archive = tmp_path / "data" / "archive"
    with mounted_tmpfs(archive, "ro,size=64k") as mounted:
        if not mounted:
            archive.chmod(0o555)
        result = run_cli(config, "crawl", "replica")
        assert result.returncode == 1, result.stderr[-3000:]
        [(status, error, stats)] = query(database_url, "SELECT status, error, stats FROM crawl_runs")
        assert status == "failed" and "warc_error" in error
        assert "Read-only file system" in stats["newsarchive/warc/error"] or not mounted
        assert "Permission denied" in stats["newsarchive/warc/error"] or mounted
        assert warc_files(archive) == [] and not open_files(archive)
        assert "Traceback" not in result.stderr
    assert query(database_url, "SELECT count(*) FROM articles") == [(0,)]  # no item without its capture


@pytest.fixture(autouse=True)
def _no_leftover_mounts(tmp_path: Path) -> Iterator[None]:
    yield
    with open("/proc/mounts", encoding="utf-8") as mounts:
        assert str(tmp_path) not in mounts.read()
