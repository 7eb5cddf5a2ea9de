"""``newsarchive replay`` end to end: a database rebuilt from the WARCs of two live crawls equals the live one."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.warc.reader import read_capture_rows
from replica import ReplicaPublisher
from tests.crawler.replay.warcs import WarcBuilder, article_pages
from tests.scheduler.commands._archive import (
    archive_dir,
    crawl_three_times,
    empty_database,
    rebuilt_config,
    source_toml,
)
from tests.support.cli import cli_command, cli_env, query, run_cli, wait_for, write_config

CAPTURE_COLUMNS = (
    "filename, record_offset, record_length, record_id, record_type, surt, url, captured_at, status, mime,"
    " payload_digest, refers_to, concurrent_to, source, page_kind"
)


@pytest.fixture
def empty_database_url(admin_database_url: str) -> Iterator[str]:
    yield from empty_database(admin_database_url)


@pytest.fixture
def config(tmp_path: Path, database_url: str, publisher) -> Path:
    return write_config(tmp_path, database_url, source_toml(publisher.base_url))


FRONT_PAGES = (
    "SELECT p.source, p.url, p.captured_at, p.record_id, s.digest, s.link_count FROM front_pages p"
    " JOIN front_page_link_sets s ON s.id = p.link_set_id ORDER BY p.captured_at"
)
FRONT_PAGE_LINKS = (
    "SELECT s.digest, l.rank, l.url, l.text, l.box, l.other_boxes FROM front_page_links l"
    " JOIN front_page_link_sets s ON s.id = l.link_set_id ORDER BY s.digest, l.rank"
)


def front_page_metadata(archive: Path) -> list[str]:
    """The target URIs of the metadata records that say ``front-page: true``, read with warcio."""
    found = []
    for path in sorted(archive.glob("*.warc.gz")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "metadata" and b"front-page: true" in record.content_stream().read():
                    found.append(record.rec_headers.get_header("WARC-Target-URI"))
    return found


def articles(url: str) -> list[tuple]:
    return query(url, "SELECT * FROM articles ORDER BY url")


def captures(url: str) -> list[tuple]:
    return query(url, f"SELECT {CAPTURE_COLUMNS} FROM captures ORDER BY record_id")


def test_replay_into_an_empty_database_reproduces_the_live_articles_exactly(
    config: Path,
    tmp_path: Path,
    database_url: str,
    empty_database_url: str,
    publisher,
) -> None:
    crawl_three_times(config, publisher)
    live = articles(database_url)
    assert max(row[-1] for row in live) == 2, "the corrected article should have a second version"
    revisits = query(
        database_url, "SELECT count(*) FROM captures WHERE record_type = 'revisit' AND page_kind = 'article'"
    )
    assert revisits[0][0] > 0, "unchanged articles refetched should be revisit records"

    rebuilt = rebuilt_config(tmp_path, empty_database_url, publisher.base_url)
    result = run_cli(rebuilt, "replay", str(archive_dir(tmp_path)))
    assert result.returncode == 0, result.stderr[-3000:]

    assert articles(empty_database_url) == live  # every column, first/last seen included
    assert captures(empty_database_url) == captures(database_url)
    # The front page: captured three times, unchanged once (a revisit, no new links), then with a new headline.
    live_front = query(database_url, FRONT_PAGES)
    assert [row[4] for row in live_front].count(live_front[0][4]) == 2 and len(live_front) == 3
    assert query(database_url, "SELECT count(*) FROM front_page_links")[0][0] == 2 * live_front[0][5]
    # The unchanged capture is a revisit, with no captures row (crawler.storage.capturerule): found in the WARCs.
    types = {
        row.record_id: row.record_type
        for path in archive_dir(tmp_path).rglob("*.warc.gz")
        for row in read_capture_rows(path)
    }
    ids = query(database_url, "SELECT record_id FROM front_pages ORDER BY captured_at")
    assert [types[record_id] for (record_id,) in ids] == ["response", "revisit", "response"]
    assert front_page_metadata(archive_dir(tmp_path)) == [publisher.base_url.rstrip("/") + "/"] * 3
    # The latest run keeps Scrapy's whole dump (older finished runs keep only the figures read back).
    stored = "SELECT stats->>'newsarchive/frontpages/stored', stats->>'newsarchive/frontpages/link_sets'"
    assert query(database_url, stored + " FROM crawl_runs ORDER BY started_at DESC LIMIT 1") == [("1", "1")]
    assert query(empty_database_url, FRONT_PAGES) == live_front
    assert "3 front-page captures newly stored" in result.stdout
    assert query(empty_database_url, FRONT_PAGE_LINKS) == query(database_url, FRONT_PAGE_LINKS)
    runs = query(empty_database_url, "SELECT trigger, status, stats->>'revisits_unresolved' FROM crawl_runs")
    assert runs == [("replay", "finished", "0")]

    # Twice: no change, whether the finished files are skipped (resume) or read again.
    again = run_cli(rebuilt, "replay", "--no-resume", "--processes", "1", str(archive_dir(tmp_path)))
    assert again.returncode == 0, again.stderr[-3000:]
    assert "0 new, 0 updated" in again.stdout
    assert articles(empty_database_url) == live
    resumed = run_cli(rebuilt, "replay", str(archive_dir(tmp_path)))
    assert resumed.returncode == 0 and "0 file(s) read, 3 already replayed" in resumed.stdout
    assert articles(empty_database_url) == live


def test_a_corrupt_record_is_reported_with_its_file_and_offset_and_the_rest_replayed(
    config: Path,
    tmp_path: Path,
    database_url: str,
    empty_database_url: str,
    publisher,
) -> None:
    first = run_cli(config, "crawl", "replica")
    assert first.returncode == 0, first.stderr[-3000:]
    victim = query(
        database_url,
        "SELECT filename, record_offset, record_length, url FROM captures WHERE page_kind = 'article'"
        " AND record_type = 'response' AND status = 200 ORDER BY filename, record_offset LIMIT 1 OFFSET 2",
    )[0]
    name, offset, length, url = victim
    warc = archive_dir(tmp_path) / name
    data = bytearray(warc.read_bytes())
    data[offset + length // 2 : offset + length // 2 + 64] = bytes(64)
    warc.write_bytes(bytes(data))

    rebuilt = rebuilt_config(tmp_path, empty_database_url, publisher.base_url)
    result = run_cli(rebuilt, "replay", str(archive_dir(tmp_path)))
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"{warc}@{offset}" in result.stderr
    assert "1 record(s) could not be replayed" in result.stderr
    live = [row for row in articles(database_url) if row[0] != url]
    assert articles(empty_database_url) == live


def test_nothing_readable_exits_1(tmp_path: Path, empty_database_url: str) -> None:
    config = write_config(tmp_path, empty_database_url, "")
    assert run_cli(config, "replay", str(tmp_path / "nothing-here")).returncode == 1
    folder = tmp_path / "warcs"
    folder.mkdir()
    garbage = folder / "garbage.warc.gz"
    garbage.write_bytes(gzip.compress(b"this is not a WARC record\r\n\r\n") + b"\x00" * 100)
    (folder / "busy-20240101000000000-00000-host.warc.gz.open").write_bytes(b"")
    result = run_cli(config, "replay", str(folder))
    assert result.returncode == 1, result.stderr[-2000:]
    assert "busy-20240101000000000-00000-host.warc.gz.open: still being written" in result.stderr
    assert f"{garbage}@0" in result.stderr
    assert query(empty_database_url, "SELECT status FROM crawl_runs") == [("failed",)]


def heavy_archive(folder: Path, publisher: ReplicaPublisher, heavy_pages: int = 12) -> Path:
    """A WARC file of the replica's heavy page (seconds of extraction each) at many URLs, between articles."""
    with urllib.request.urlopen(publisher.base_url + "/faults/heavy/") as response:
        heavy = response.read()
    builder = WarcBuilder(folder)
    moment = datetime(2024, 3, 1, tzinfo=UTC)
    for index, (url, html) in enumerate(article_pages(heavy_pages)):
        builder.page(url, html, moment + timedelta(seconds=2 * index))
        # A different body each time: the same one would be archived as revisits of the first.
        body = heavy.replace(b"A very long report", f"A very long report {index}".encode())
        builder.page(f"https://news.example/heavy/{index}/", body, moment + timedelta(seconds=2 * index + 1))
    return builder.close()


def _group(pgid: int) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) == pgid and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except (ProcessLookupError, psutil.NoSuchProcess):
            pass
    return found


def _extracting(parent: psutil.Process, log: Path) -> list[psutil.Process] | None:
    """The replay's worker processes, once it has started reading (so pages are being extracted)."""
    if b"replaying" not in log.read_bytes():
        return None
    return [child for child in parent.children(recursive=True) if "spawn_main" in " ".join(child.cmdline())] or None


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_no_extraction_worker_outlives_its_replay(
    signum: int, tmp_path: Path, empty_database_url: str, publisher: ReplicaPublisher
) -> None:
    """SIGTERM: the replay stops (cancelled) once the pages in flight are done or given up (1 s each, where each takes
    seconds), and stops its workers; SIGKILL: the workers die with it."""
    folder = tmp_path / "warcs"
    folder.mkdir()
    heavy_archive(folder, publisher)
    config = write_config(tmp_path, empty_database_url, "")
    log = tmp_path / "replay.log"
    with log.open("wb") as output:  # a file, not a pipe nobody reads (a full pipe would block the replay)
        replay = subprocess.Popen(
            [*cli_command(config, "replay", "--processes", "2", "--extract-timeout", "1", str(folder))],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=cli_env(),
            start_new_session=True,  # its own process group: every process it started is in it
        )
        try:
            parent = psutil.Process(replay.pid)
            workers = wait_for(lambda: _extracting(parent, log), what="the replay's workers extracting")
            assert len(workers) == 2
            replay.send_signal(signum)
            signalled = time.monotonic()
            replay.wait(timeout=60)
            stopped_in = time.monotonic() - signalled
            _, alive = psutil.wait_procs(workers, timeout=30)
            assert not alive, [process.pid for process in alive]
            assert wait_for(lambda: not _group(replay.pid), what="no process left in the replay's group", timeout=30)
        finally:
            if replay.poll() is None:
                replay.kill()
                replay.wait()
            for process in _group(replay.pid):
                process.kill()
    if signum == signal.SIGTERM:
        assert replay.returncode == 1, log.read_text()[-3000:]  # a cancelled replay: not finished
        assert stopped_in < 20  # without the limit: eight heavy pages in flight, about 7 s each on two workers
        assert query(empty_database_url, "SELECT status FROM crawl_runs") == [("cancelled",)]
