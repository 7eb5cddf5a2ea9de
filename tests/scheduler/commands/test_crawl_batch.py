"""``crawl A B``: crawls forked from the pre-imported server end exactly as a lone run's fresh process does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from replica import ReplicaPublisher, ReplicaSite
from scheduler.locks import SourceLock
from tests.faults._support import count_records, open_files, warc_files, warcio_check
from tests.support.cli import query, replica_source_toml, run_cli, write_config

COMPARED_STATS = ("newsarchive/articles/new", "item_scraped_count", "finish_reason")
"""Equal between the runs. Response counts may differ by a listing page fetched or not (discovery order)."""


@pytest.fixture
def twins() -> Iterator[list[ReplicaPublisher]]:
    """Three servers of the same site (same articles, own ports): what differs between runs is only how they ran."""
    servers = [ReplicaPublisher(ReplicaSite()) for _ in range(3)]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.stop()


def run_row(database_url: str, source: str) -> dict:
    [(status, stats, worker, error)] = query(
        database_url, "SELECT status, stats, worker, error FROM crawl_runs WHERE source = %s", source
    )
    return {"status": status, "stats": stats or {}, "worker": worker, "error": error}


def test_forked_batch_runs_match_a_lone_run(tmp_path: Path, database_url: str, twins) -> None:
    sources = "".join(replica_source_toml(p.base_url, name) for name, p in zip("abc", twins, strict=True))
    config = write_config(tmp_path, database_url, sources)
    lone = run_cli(config, "crawl", "a")
    assert lone.returncode == 0, lone.stderr[-3000:]
    lock = SourceLock(database_url, "c")
    assert lock.acquire()
    try:
        batch = run_cli(config, "crawl", "b", "c")
    finally:
        lock.release()

    assert batch.returncode == 75, batch.stderr[-3000:]  # c was locked: skipped, the most severe code
    a, b, c = (run_row(database_url, name) for name in "abc")
    assert (a["status"], b["status"], c["status"]) == ("finished", "finished", "skipped")
    for key in COMPARED_STATS:
        assert a["stats"].get(key) == b["stats"].get(key), key
    responses = [row["stats"]["downloader/response_count"] for row in (a, b)]
    assert abs(responses[0] - responses[1]) <= 2, responses
    assert b["stats"]["newsarchive/articles/new"] == len(twins[1].site.expected_records(twins[1].base_url))
    assert a["worker"] and b["worker"]  # recorded for one-shot runs too
    archive = tmp_path / "data" / "archive"
    assert not open_files(archive)
    files = warc_files(archive)
    for path in files:
        check = warcio_check(path)
        assert check.returncode == 0, check.stdout + check.stderr
    assert query(database_url, "SELECT count(*) FROM captures")[0][0] == count_records(files)
    for name in "ab":
        assert query(database_url, "SELECT count(*) FROM articles WHERE source = %s", name) == [(12,)]
