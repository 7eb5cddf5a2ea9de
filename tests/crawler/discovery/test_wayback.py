"""The Wayback Machine's CDX answers and raw capture URLs, as the back-fill's import phase reads them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.discovery.wayback import NotACdxListing, WaybackCapture, cdx_url, parse_cdx, parse_raw_url

WAYBACK = "https://web.archive.org"
HEADER = ["timestamp", "original", "mimetype", "statuscode"]


def test_cdx_url_asks_for_one_html_200_capture_per_url_of_the_host_in_the_range() -> None:
    url = cdx_url(WAYBACK, "news.example", datetime(2019, 1, 1, tzinfo=UTC), datetime(2020, 1, 1, tzinfo=UTC), "k1")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(f"{WAYBACK}/cdx/search/cdx?")
    assert query["url"] == ["news.example/*"] and query["collapse"] == ["urlkey"]
    assert (query["from"], query["to"]) == (["20190101000000"], ["20200101000000"])
    assert query["filter"] == ["statuscode:200", "mimetype:text/html"] and query["resumeKey"] == ["k1"]


def test_parse_cdx_rows_and_the_resume_key_after_an_empty_row() -> None:
    rows = [HEADER, ["20190305120000", "https://news.example/a/", "text/html", "200"], [], ["next+key"]]
    page = parse_cdx(json.dumps(rows).encode())
    assert page.captures == [WaybackCapture("20190305120000", "https://news.example/a/")]
    assert page.resume_key == "next+key"
    assert parse_cdx(json.dumps([HEADER]).encode()).resume_key is None
    assert parse_cdx(b"").captures == []


@pytest.mark.parametrize("body", [b"<html>", b'{"a": 1}', json.dumps([["urlkey"], ["x"]]).encode()])
def test_parse_cdx_refuses_what_is_not_a_listing(body: bytes) -> None:
    with pytest.raises(NotACdxListing):
        parse_cdx(body)


def test_capture_urls_round_trip_and_carry_the_capture_time() -> None:
    capture = WaybackCapture("20190305120001", "https://news.example/a/?p=1")
    assert capture.captured_at == datetime(2019, 3, 5, 12, 0, 1, tzinfo=UTC)
    assert capture.replay_url(WAYBACK + "/") == f"{WAYBACK}/web/20190305120001/https://news.example/a/?p=1"
    assert parse_raw_url(capture.raw_url(WAYBACK)) == (WAYBACK, capture)
    assert parse_raw_url("https://news.example/web/2019/a/") is None
