"""CaptureStoreExtension: indexes the rows and closed files the WARC recorder signals; survives a dead database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler import signals
from crawler.extensions.capturestore import CaptureStoreExtension
from crawler.warc.capture import CaptureRow

T0 = datetime(2024, 7, 13, 8, 0, tzinfo=UTC)
FILE = "newsarchive-20240713080000000-00000-host.warc.gz"


def rows(first: int, count: int) -> list[CaptureRow]:
    return [
        CaptureRow(FILE, n * 100, 100, f"<urn:uuid:{n}>", "response", f"https://www.khaama.com/a-{n}/", T0, 200,
                   "text/html", f"sha1:{n}", source="khaama", page_kind="article", run_id=7)
        for n in range(first, first + count)
    ]  # fmt: skip


def extension_for(url: str) -> tuple[CaptureStoreExtension, object]:
    crawler = get_crawler(settings_dict={"NEWSARCHIVE_DATABASE_URL": url, "NEWSARCHIVE_RUN_ID": "7"})
    return CaptureStoreExtension.from_crawler(crawler), crawler


def test_not_configured_without_database_url():
    with pytest.raises(NotConfigured):
        CaptureStoreExtension.from_crawler(get_crawler(settings_dict={}))


def test_indexes_signalled_rows_and_files(database_url, db_conn, tmp_path):
    extension, crawler = extension_for(database_url)
    crawler.signals.send_catch_log(signal=signals.warc_records_written, rows=rows(0, 3))
    crawler.signals.send_catch_log(signal=signals.warc_records_written, rows=rows(2, 3))  # a re-sent row: once
    crawler.signals.send_catch_log(signal=signals.warc_file_closed, path=tmp_path / FILE, size=500, records=5)
    extension.close()
    assert db_conn.execute("SELECT count(*), count(DISTINCT record_id) FROM captures").fetchone() == (5, 5)
    files = db_conn.execute("SELECT filename, path, size, records, run_id FROM warc_files").fetchall()
    assert files == [(FILE, str(tmp_path / FILE), 500, 5, 7)]
    assert crawler.stats.get_value("newsarchive/captures/stored") == 6


def test_unreachable_database_is_counted_not_fatal():
    extension, crawler = extension_for("postgresql://postgres@127.0.0.1:1/postgres")
    crawler.signals.send_catch_log(signal=signals.warc_records_written, rows=rows(0, 4))
    crawler.signals.send_catch_log(signal=signals.warc_file_closed, path=Path(FILE), size=1, records=4)
    extension.close()
    assert crawler.stats.get_value("newsarchive/captures/unstored") == 4
    assert crawler.stats.get_value("newsarchive/captures/unstored_files") == 1
