"""Replaying WARC files into a real database: what is stored, when it was seen, what is skipped and reported."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from crawler.config.schema import SourceConfig
from crawler.replay import ReplayOptions, ReplayResult, replay_files
from crawler.storage.capturerule import keeps_row
from crawler.storage.database import connect
from crawler.warc.reader import WarcRecord, iter_file, read_capture_rows
from replica import ReplicaPublisher
from tests.crawler.replay.warcs import WarcBuilder, article_pages

T1 = datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
T2 = T1 + timedelta(days=1)


@pytest.fixture
def conn(database_url: str) -> Iterator[psycopg.Connection]:
    with connect(database_url, autocommit=True) as connection:
        yield connection


def replay(conn: psycopg.Connection, *files: Path, **options: object) -> ReplayResult:
    return replay_files(conn, list(files), ReplayOptions(**{"processes": 1, **options}))


def seen(conn: psycopg.Connection) -> dict[str, tuple]:
    rows = conn.execute("SELECT url, source, first_seen_at, last_seen_at, version, title FROM articles").fetchall()
    return {row[0]: row[1:] for row in rows}


def two_crawls(directory: Path) -> tuple[Path, Path, list[tuple[str, bytes]]]:
    """First file: articles A (gzip) and B, a listing, a redirect hop; second: A unchanged (revisit), B corrected."""
    pages = article_pages(2)
    (url_a, html_a), (url_b, html_b) = pages
    first = WarcBuilder(directory)
    first.page(url_a, html_a, T1, encode=True)
    first.page(url_b, html_b, T1 + timedelta(seconds=1))
    first.page("https://news.example/", b"<html><body><a href='x'>x</a></body></html>", T1, kind="listing")
    first.page("https://news.example/old/", b"", T1, kind="article", status=301)
    second = WarcBuilder(directory)
    second.originals = first.originals  # the recorder's dedup index spans runs
    second.page(url_a, html_a, T2, encode=True)
    second.page(url_b, html_b.replace(b"<p>", b"<p>Correction: this story was updated. ", 1), T2)
    return first.close(), second.close(), pages


def test_articles_are_stored_with_their_capture_times_and_revisits_move_last_seen(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    first, second, [(url_a, _), (url_b, _)] = two_crawls(tmp_path)
    result = replay(conn, first, second)

    assert result.status == "finished", result.stats.bad
    stored = seen(conn)
    assert sorted(stored) == sorted([url_a, url_b])
    assert stored[url_a][:4] == ("site", T1, T2, 1)  # the revisit: same article, seen again
    assert stored[url_b][:4] == ("site", T1 + timedelta(seconds=1), T2, 2)  # the correction: a new version
    assert result.stats.revisits == 1 and result.stats.revisits_unresolved == 0
    records = sum(1 for path in (first, second) for event in iter_file(path) if isinstance(event, WarcRecord))
    assert result.stats.records == records
    # Rows by the same rule as a live crawl's: what the live writer's rows for these files would keep.
    kept = sum(keeps_row(row) for path in (first, second) for row in read_capture_rows(path))
    assert conn.execute("SELECT count(*) FROM captures").fetchone()[0] == kept < records
    kinds = conn.execute("SELECT record_type, page_kind, count(*) FROM captures GROUP BY 1, 2").fetchall()
    assert ("revisit", "article", 1) in kinds and ("response", "listing", 1) in kinds
    assert {record_type for record_type, _, _ in kinds} == {"response", "revisit"}  # no request, metadata, warcinfo
    files = conn.execute("SELECT filename, records FROM warc_files ORDER BY filename").fetchall()
    assert files == [(first.name, 13), (second.name, 7)]
    run = conn.execute("SELECT source, trigger, status, stats->'articles_new' FROM crawl_runs").fetchall()
    assert run == [("(replay)", "replay", "finished", 2)]


def test_a_revisit_whose_original_an_earlier_replay_read_is_resolved_through_the_index(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    first, second, [(url_a, _), _] = two_crawls(tmp_path)
    replay(conn, first)
    result = replay(conn, second)
    assert result.stats.revisits == 1 and result.stats.revisits_unresolved == 0
    assert seen(conn)[url_a][:4] == ("site", T1, T2, 1)


def test_a_revisit_without_its_original_is_reported_not_fatal(conn: psycopg.Connection, tmp_path: Path) -> None:
    _, second, _ = two_crawls(tmp_path)
    result = replay(conn, second)
    assert result.status == "degraded"
    assert result.stats.revisits_unresolved == 1
    assert "not in the archive" in result.stats.bad[0]["reason"]
    assert len(seen(conn)) == 1  # B, the corrected article, is stored


def test_without_a_metadata_record_an_html_page_of_a_configured_domain_is_an_article(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    (url, html), (other_url, other_html) = article_pages(2)
    builder = WarcBuilder(tmp_path)
    builder.page(url, html, T1, kind=None)
    builder.page(other_url.replace("news.example", "elsewhere.example"), other_html, T1, kind=None)
    path = builder.close()
    source = SourceConfig(name="newsy", allowed_domains=("example.org", "news.example"))
    result = replay(conn, path, sources=[source])
    assert {key: value[0] for key, value in seen(conn).items()} == {url: "newsy"}
    assert result.stats.no_metadata_skipped == 1


def test_a_corrupt_record_in_the_middle_is_skipped_and_reported(
    conn: psycopg.Connection, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    builder = WarcBuilder(tmp_path)
    pages = article_pages(3)
    for index, (url, html) in enumerate(pages):
        builder.page(url, html, T1 + timedelta(seconds=index), encode=True)
    path = builder.close()
    kept = sum(keeps_row(row) for row in read_capture_rows(path))
    victim = [event for event in iter_file(path) if event.rec_type == "response"][1]
    data = bytearray(path.read_bytes())
    data[victim.offset + 100 : victim.offset + 140] = b"\xff" * 40
    path.write_bytes(bytes(data))

    with caplog.at_level(logging.WARNING, logger="crawler.replay"):
        result = replay(conn, path)

    assert result.status == "degraded"
    assert sorted(seen(conn)) == sorted([pages[0][0], pages[2][0]])
    assert result.stats.bad_records == 1
    assert result.stats.bad[0]["file"] == str(path) and result.stats.bad[0]["offset"] == victim.offset
    assert f"{path}@{victim.offset}" in caplog.text
    assert conn.execute("SELECT count(*) FROM captures").fetchone()[0] == kept - 1  # all but the victim response


def snapshot(conn: psycopg.Connection) -> list[list[tuple]]:
    queries = [
        "SELECT * FROM article_records ORDER BY id",
        "SELECT id, article_id, version, warc_record_id, content_hash, title, body, seen_at FROM article_versions"
        " ORDER BY id",
        "SELECT * FROM captures ORDER BY id",
        "SELECT * FROM articles ORDER BY url",
    ]
    return [conn.execute(query).fetchall() for query in queries]


def result_records(*paths: Path) -> int:
    return sum(1 for path in paths for event in iter_file(path) if isinstance(event, WarcRecord))


def test_replaying_again_changes_nothing_and_a_resumed_replay_skips_finished_files(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    first, second, _ = two_crawls(tmp_path)
    replay(conn, first, second)
    before = snapshot(conn)

    again = replay(conn, first, second, resume=False)
    assert again.stats.records == result_records(first, second) and again.stats.captures_new == 0
    assert again.stats.articles_new == again.stats.articles_updated == 0
    assert snapshot(conn) == before

    resumed = replay(conn, first, second)
    assert resumed.stats.files_skipped == 2 and resumed.stats.records == 0
    assert snapshot(conn) == before


def test_a_replay_stopped_after_the_first_file_resumes_with_the_second(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    first, second, _ = two_crawls(tmp_path)
    replay(conn, first)
    resumed = replay(conn, first, second)
    assert (resumed.stats.files_skipped, resumed.stats.files) == (1, 1)
    assert resumed.stats.articles_updated == 1


def test_a_replay_left_running_by_a_dead_process_does_not_block_the_next(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    conn.execute(
        "INSERT INTO crawl_runs (source, trigger, host, pid, started_at) VALUES ('(replay)', 'replay', %s, %s, now())",
        [socket.gethostname(), int(dead.stdout)],
    )
    first, _, _ = two_crawls(tmp_path)
    assert replay(conn, first).status == "finished"
    statuses = conn.execute("SELECT status FROM crawl_runs ORDER BY id").fetchall()
    assert statuses == [("cancelled",), ("finished",)]


def test_two_processes_store_what_one_does(database_url: str, tmp_path: Path) -> None:
    first, second, _ = two_crawls(tmp_path)
    with connect(database_url, autocommit=True) as one:
        replay(one, first, second)
        expected = one.execute("SELECT * FROM articles ORDER BY url").fetchall()
        one.execute("TRUNCATE article_records, article_versions, search_documents, captures, crawl_runs, warc_files")
        result = replay_files(one, [first, second], ReplayOptions(processes=2))
        assert result.status == "finished"
        assert one.execute("SELECT * FROM articles ORDER BY url").fetchall() == expected


def test_a_revisit_of_the_same_payload_at_another_url_is_the_same_article_seen_again(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    (url, html), _ = article_pages(2)
    builder = WarcBuilder(tmp_path)
    builder.page(url, html, T1, encode=True)
    builder.page(url + "?utm_source=feed", html, T2, encode=True)  # same bytes: a revisit of another URL
    path = builder.close()
    result = replay(conn, path)
    assert result.stats.revisits == 1 and result.stats.revisits_unresolved == 0
    assert seen(conn) == {url: ("site", T1, T2, 1, seen(conn)[url][4])}  # rel=canonical names the article
    fetched = conn.execute("SELECT fetched_url FROM article_versions").fetchall()
    assert fetched == [(url,)]


@pytest.mark.parametrize("processes", [1, 2])
def test_an_article_over_the_extraction_limit_is_given_up_and_the_others_stored(
    conn: psycopg.Connection, tmp_path: Path, publisher: ReplicaPublisher, processes: int
) -> None:
    """The replica's heavy page takes seconds to extract (news pages take milliseconds): past a 1 s limit it is given
    up, reported and counted, as a crawl would; the articles before and after it are stored."""
    with urllib.request.urlopen(publisher.base_url + "/faults/heavy/") as response:
        heavy = response.read()
    pages = article_pages(3)
    builder = WarcBuilder(tmp_path)
    builder.page(*pages[0], T1)
    heavy_id = builder.page("https://news.example/faults/heavy/", heavy, T1 + timedelta(seconds=1))
    for index, page in enumerate(pages[1:], start=2):
        builder.page(*page, T1 + timedelta(seconds=index))
    path = builder.close()
    heavy_offset = next(event.offset for event in iter_file(path) if event.record_id == heavy_id)

    started = time.monotonic()
    result = replay(conn, path, processes=processes, extraction_timeout=1)

    assert time.monotonic() - started < 30
    assert result.stats.extraction_timeouts == 1 and result.stats.extraction_errors == 0
    assert result.status == "degraded"
    assert [(bad["offset"], "given up" in bad["reason"]) for bad in result.stats.bad] == [(heavy_offset, True)]
    assert sorted(seen(conn)) == sorted(url for url, _ in pages)
    assert conn.execute("SELECT stats->'extraction_timeouts' FROM crawl_runs").fetchone()[0] == 1
