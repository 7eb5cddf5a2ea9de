"""What crawls of an unchanged site leave in the database, and retention applied over a real archive.

The replica crawled by the CLI: a first run, then runs that find nothing new. Each file's rows are exactly the
records the rule keeps; an unchanged run adds none. ``newsarchive db maintain`` then deletes the listing captures:
the WARCs are untouched, the reading room still shows every article with its capture, the next crawl still
finishes, and a replay of the files into an empty database writes the same rows as the live crawls did.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from crawler.storage.capturerule import keeps_row
from crawler.warc.cdxj import index_path
from crawler.warc.reader import read_capture_rows
from scheduler.web import create_app
from tests.scheduler.commands._archive import empty_database
from tests.support.cli import query, replica_source_toml, run_cli, write_config


@pytest.fixture
def empty_database_url(admin_database_url: str) -> Iterator[str]:
    yield from empty_database(admin_database_url)


def crawl(config: Path) -> None:
    result = run_cli(config, "crawl", "replica")
    assert result.returncode == 0, result.stderr[-3000:]


def warc_files(tmp_path: Path) -> list[Path]:
    """The archive's closed files, oldest first (their names start with the time they were opened)."""
    return sorted((tmp_path / "data" / "archive").rglob("*.warc.gz"), key=lambda path: path.name)


def rows_of(database_url: str, path: Path) -> set[str]:
    return {row[0] for row in query(database_url, "SELECT record_id FROM captures WHERE filename = %s", path.name)}


def kept(path: Path) -> set[str]:
    return {row.record_id for row in read_capture_rows(path) if keeps_row(row)}


def digests(paths: list[Path]) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}


def test_unchanged_runs_add_no_rows_and_retention_leaves_the_archive_readable(
    tmp_path: Path, database_url: str, empty_database_url: str, publisher
) -> None:
    config = write_config(tmp_path, database_url, replica_source_toml(publisher.base_url))
    for _ in range(3):
        crawl(config)
    files = warc_files(tmp_path)
    assert len(files) == 3
    for path in files:
        assert rows_of(database_url, path) == kept(path), path.name
        assert index_path(path).is_file()  # every record is found through the file's CDXJ index
    assert kept(files[0]) and not kept(files[-1])  # the third run found nothing new: no row at all
    assert len(read_capture_rows(files[-1])) > 10  # while its WARC holds robots.txt, feed, sitemaps, home, API
    no_rows = query(database_url, "SELECT count(*) FROM captures WHERE record_type IN ('request', 'metadata')")
    assert no_rows == [(0,)]

    before = digests(files)
    config.write_text(config.read_text() + '\n[retention]\nlisting_captures = "1s"\n', encoding="utf-8")
    result = run_cli(config, "db", "maintain")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "listing captures deleted: 0" not in result.stdout
    kinds = {kind for (kind,) in query(database_url, "SELECT DISTINCT page_kind FROM captures")}
    assert kinds == {"article", "requisite"}  # retention takes listings, feeds and the like; these stay
    assert digests(warc_files(tmp_path)[:3]) == before  # the WARCs stay the record

    unresolved = "SELECT count(*) FROM article_versions v LEFT JOIN captures c ON c.record_id = v.warc_record_id"
    assert query(database_url, unresolved + " WHERE c.id IS NULL") == [(0,)]  # every version's capture is there
    urls = [url for (url,) in query(database_url, "SELECT url FROM articles ORDER BY url")]
    assert urls
    with TestClient(create_app(database_url)) as client:
        for url in urls:
            answer = client.get("/api/article", params={"url": url})
            assert answer.status_code == 200 and answer.json()["versions"]
        assert client.get("/runs").status_code == 200

    crawl(config)  # the feed's first response went with retention: this run stores it again, by the rule
    latest = warc_files(tmp_path)[-1]
    assert rows_of(database_url, latest) == kept(latest)

    (tmp_path / "replay").mkdir()
    replay_config = write_config(tmp_path / "replay", empty_database_url, "")
    result = run_cli(replay_config, "replay", str(tmp_path / "data" / "archive"), timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    every = {record_id for path in warc_files(tmp_path) for record_id in kept(path)}
    assert {row[0] for row in query(empty_database_url, "SELECT record_id FROM captures")} == every
    replayed = query(empty_database_url, "SELECT url, title, body FROM articles ORDER BY url")
    assert replayed == query(database_url, "SELECT url, title, body FROM articles ORDER BY url")
