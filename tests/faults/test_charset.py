"""A page that lies about its charset, end to end: crawled through the CLI, stored readable, archived as served.

``/faults/wrong-charset-utf8/`` is windows-1252 bytes labelled UTF-8 in the header and in ``<meta charset>``; the
stored title and body must carry its typographic quotes and accents (no U+FFFD), the run must count the fallback,
and the WARC must hold the bytes exactly as they were sent.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler.storage.scratch import scratch_database
from replica import ReplicaPublisher, ReplicaSite, faults
from replica.faults import WINDOWS_1252_PARAGRAPHS, WINDOWS_1252_TITLE
from tests.faults._support import WarcRecord, read_records, responses_for, source_toml, warc_files
from tests.support.cli import query, run_cli, write_config

PATH = "/faults/wrong-charset-utf8/"


@dataclass(frozen=True)
class CharsetCrawl:
    url: str
    returncode: int
    stderr: str
    stats: dict[str, Any]
    stored: list[tuple[str, str]]
    records: list[WarcRecord]
    served: bytes


@pytest.fixture(scope="module")
def crawl(admin_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CharsetCrawl]:
    tmp_path = tmp_path_factory.mktemp("charset")
    with (
        ReplicaPublisher(ReplicaSite(), mounts=[faults.MOUNT]) as publisher,
        scratch_database(admin_database_url) as url,
    ):
        base = publisher.base_url
        source = source_toml(
            "charset",
            spider="khaama",
            feeds=[f"{base}/faults/wrong-charset-utf8-feed/"],
            allowed_domains=["127.0.0.1"],
            download_delay="0s",
        )
        result = run_cli(write_config(tmp_path, url, source), "crawl", "charset", timeout=120)
        [(stats,)] = query(url, "SELECT stats FROM crawl_runs WHERE source = 'charset'")
        stored = query(url, "SELECT title, body FROM articles WHERE url = %s", base + PATH)
        records = read_records(warc_files(Path(tmp_path) / "data" / "archive"))
        yield CharsetCrawl(
            base + PATH, result.returncode, result.stderr, stats or {}, stored, records, _fetch(base + PATH)
        )


def test_the_article_is_stored_with_its_own_characters(crawl: CharsetCrawl) -> None:
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    [(title, body)] = crawl.stored
    assert title == WINDOWS_1252_TITLE
    assert body == "\n".join(WINDOWS_1252_PARAGRAPHS)
    assert "\ufffd" not in title + body


def test_the_fallback_is_counted(crawl: CharsetCrawl) -> None:
    assert crawl.stats["newsarchive/extract/charset_fallback"] == 1


def test_the_warc_holds_the_bytes_as_served(crawl: CharsetCrawl) -> None:
    [record] = responses_for(crawl.records, crawl.url)
    assert record.raw_body == crawl.served
    assert WINDOWS_1252_PARAGRAPHS[1].encode("cp1252") in record.raw_body


def _fetch(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()
