"""A real Scrapy crawl (in a subprocess) of a local server, recorded and read back with tools we did not write."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.warc.cdxj import index_file
from crawler.warc.reader import read_capture_rows
from tests.crawler.warc import _server
from tests.crawler.warc._tools import assert_valid_warc

SCRIPT = Path(__file__).with_name("crawl_script.py")
ROOT = Path(__file__).parents[3]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = _server.start_server()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def crawl(directory: Path, urls: list[str], **settings: object) -> list[dict]:
    options = {"NEWSARCHIVE_WARC_DIR": str(directory), "NEWSARCHIVE_SOURCE": "test", "NEWSARCHIVE_RUN_ID": 42}
    options.update(settings)
    result = subprocess.run(
        [sys.executable, str(SCRIPT), json.dumps(options), *urls],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def records_by_type(path: Path, parse_http: bool = True) -> list[dict]:
    found = []
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream, no_record_parse=not parse_http):
            found.append(
                {
                    "type": record.rec_type,
                    "headers": dict(record.rec_headers.headers),
                    "http": record.http_headers,
                    "raw": record.raw_stream.read(),
                }
            )
    return found


@pytest.fixture(scope="module")
def crawled(server: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    directory = tmp_path_factory.mktemp("archive")
    paths = ["/article|article", "/gzip|article", "/redirect|article", "/same-a|feed", "/same-b|feed", "/latin"]
    paths += ["/cookies", "/big", "/missing", "/robots.txt", "/chunked", "/dataloss"]
    events = crawl(directory, [server + path for path in paths], NEWSARCHIVE_MAX_PAGE_SIZE=100_000)
    return directory, events


def the_file(directory: Path) -> Path:
    (path,) = directory.glob("*.warc.gz")
    return path


def test_crawl_output_passes_external_tools(crawled) -> None:
    directory, events = crawled
    assert not list(directory.glob("*.open"))
    path = the_file(directory)
    assert_valid_warc(path)
    closed = [event for event in events if event["event"] == "closed"]
    assert closed == [{"event": "closed", "path": str(path), "size": path.stat().st_size, "records": 40}]
    stats = next(event["stats"] for event in events if event["event"] == "stats")
    assert stats["newsarchive/warc/records"] == 40  # warcinfo + 13 groups (12 URLs + a redirect hop)
    assert stats["newsarchive/warc/bytes"] == path.stat().st_size
    assert stats["newsarchive/warc/revisits"] == 2  # /article again through the redirect, /same-b
    assert stats["newsarchive/warc/truncated"] == 2  # /big (length), /dataloss (disconnect)
    assert stats["newsarchive/warc/files"] == 1


def test_signalled_rows_equal_rows_read_from_the_file(crawled) -> None:
    directory, events = crawled
    signalled = [event["row"] for event in events if event["event"] == "row"]
    from_file = [
        {**row.__dict__, "warc_date": row.warc_date.isoformat()} for row in read_capture_rows(the_file(directory))
    ]
    assert signalled == from_file


def test_bodies_are_stored_as_received(crawled) -> None:
    directory, _ = crawled
    responses = {
        record["headers"]["WARC-Target-URI"].rsplit("/", 1)[1]: record
        for record in records_by_type(the_file(directory))
        if record["type"] == "response"
    }
    gzipped = responses["gzip"]
    assert gzipped["http"].get_header("Content-Encoding") == "gzip"
    assert gzip.decompress(gzipped["raw"]) == _server.ARTICLE
    assert responses["article"]["raw"] == _server.ARTICLE
    assert responses["chunked"]["raw"] == b"chunk one chunk two"
    assert responses["chunked"]["http"].get_header("Transfer-Encoding") is None
    assert responses["chunked"]["http"].get_header("Content-Length") == "19"
    assert responses["missing"]["http"].statusline == "404 Not Found"
    assert responses["cookies"]["http"].headers.count(("Set-Cookie", "a=1")) == 1
    assert ("Set-Cookie", "b=2") in responses["cookies"]["http"].headers
    assert responses["redirect"]["http"].statusline == "302 Found"
    for record in responses.values():
        assert record["headers"]["WARC-IP-Address"] == "127.0.0.1"


def test_non_ascii_header_bytes_are_kept(crawled) -> None:
    directory, _ = crawled
    data = gzip.decompress(the_file(directory).read_bytes())
    assert b"\r\nX-Note: caf\xe9 cr\xe8me\r\n" in data
    assert b"%C3%A9" not in data and b"UTF-8''" not in data


def test_truncation_is_marked(crawled) -> None:
    directory, _ = crawled
    responses = {
        record["headers"]["WARC-Target-URI"].rsplit("/", 1)[1]: record
        for record in records_by_type(the_file(directory))
        if record["type"] == "response"
    }
    big = responses["big"]
    assert big["headers"]["WARC-Truncated"] == "length"
    assert 100_000 < len(big["raw"]) < len(_server.BIG) and _server.BIG.startswith(big["raw"])
    assert big["http"].get_header("Content-Length") == str(len(big["raw"]))
    loss = responses["dataloss"]
    assert loss["headers"]["WARC-Truncated"] == "disconnect"
    assert loss["raw"] == b"only part of it"
    assert "WARC-Truncated" not in responses["article"]["headers"]


def test_revisits_point_at_the_original(crawled) -> None:
    directory, _ = crawled
    found = records_by_type(the_file(directory))
    by_id = {record["headers"]["WARC-Record-ID"]: record for record in found}
    revisits = [record for record in found if record["type"] == "revisit"]
    assert sorted(r["headers"]["WARC-Target-URI"].rsplit("/", 1)[1] for r in revisits) == ["article", "same-b"]
    for revisit in revisits:
        headers = revisit["headers"]
        original = by_id[headers["WARC-Refers-To"]]
        assert original["type"] == "response"
        assert headers["WARC-Profile"] == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
        assert headers["WARC-Payload-Digest"] == original["headers"]["WARC-Payload-Digest"]
        assert headers["WARC-Refers-To-Target-URI"] == original["headers"]["WARC-Target-URI"]
        assert headers["WARC-Refers-To-Date"] == original["headers"]["WARC-Date"]
        assert revisit["raw"] == b"" and revisit["http"].statusline == "200 OK"


def test_groups_share_a_date_and_metadata_says_what_the_page_was(crawled) -> None:
    directory, _ = crawled
    found = records_by_type(the_file(directory))
    assert found[0]["type"] == "warcinfo"
    kinds = {}
    for first, request, metadata in zip(found[1::3], found[2::3], found[3::3], strict=True):
        assert (first["type"] in ("response", "revisit"), request["type"], metadata["type"]) == (
            True,
            "request",
            "metadata",
        )
        dates = {record["headers"]["WARC-Date"] for record in (first, request, metadata)}
        assert len(dates) == 1
        record_id = first["headers"]["WARC-Record-ID"]
        assert request["headers"]["WARC-Concurrent-To"] == metadata["headers"]["WARC-Concurrent-To"] == record_id
        assert "WARC-Payload-Digest" not in metadata["headers"]
        fields = dict(line.split(": ", 1) for line in metadata["raw"].decode().splitlines())
        assert (fields["source"], fields["run-id"]) == ("test", "42")
        kinds[first["headers"]["WARC-Target-URI"].rsplit("/", 1)[1]] = fields["page-kind"]
    assert kinds["article"] == "article" and kinds["same-a"] == "feed" and kinds["redirect"] == "article"
    assert kinds["robots.txt"] == "robots" and kinds["latin"] == "other"


def test_meta_links_the_final_hop(crawled) -> None:
    directory, events = crawled
    found = records_by_type(the_file(directory))
    ids_by_url: dict[str, list[str]] = {}
    for record in found:
        if record["type"] in ("response", "revisit"):
            url = record["headers"]["WARC-Target-URI"].rsplit("/", 1)[1]
            ids_by_url.setdefault(url, []).append(record["headers"]["WARC-Record-ID"])
    parsed = [event for event in events if event["event"] == "parsed"]
    article_ids = sorted(event["warc_record_id"] for event in parsed if event["url"].endswith("/article"))
    assert article_ids == sorted(ids_by_url["article"])  # the direct fetch and the redirect's final hop
    assert ids_by_url["redirect"][0] not in {event["warc_record_id"] for event in parsed}
    assert all(event["warc_date"].endswith("+00:00") for event in parsed)


def test_cdxj_index_lists_responses_and_revisits(crawled) -> None:
    directory, _ = crawled
    index = directory / "indexes" / (the_file(directory).name + ".cdxj")
    written_at_close = index.read_bytes()
    assert index_file(the_file(directory)) == index
    assert index.read_bytes() == written_at_close
    lines = index.read_text().splitlines()
    assert lines == sorted(lines)
    entries = [json.loads(line.split(" ", 2)[2]) for line in lines]
    assert len(entries) == 13
    assert {entry["filename"] for entry in entries} == {the_file(directory).name}
    assert sum(entry.get("mime") == "warc/revisit" for entry in entries) == 2


def test_request_blocks_are_the_bytes_sent(tmp_path: Path) -> None:
    raw = _server.RawRequestServer()
    try:
        base = f"http://127.0.0.1:{raw.port}"
        crawl(tmp_path, [f"{base}/get?q=1", f"POST {base}/post"])
    finally:
        raw.close()
    requests = [
        record["raw"] for record in records_by_type(the_file(tmp_path), parse_http=False) if record["type"] == "request"
    ]
    sent = raw.requests
    assert len(sent) == 2 and sorted(requests) == sorted(sent)
    get = next(request for request in sent if request.startswith(b"GET "))
    assert get.startswith(b"GET /get?q=1 HTTP/1.1\r\n")
    assert get.endswith(b"\r\nHost: 127.0.0.1:%d\r\n\r\n" % raw.port)
    assert b"Accept-Encoding: gzip, deflate" in get and b"zstd" not in get
    post = next(request for request in sent if request.startswith(b"POST "))
    assert post.startswith(b"POST /post HTTP/1.1\r\nContent-Length: 7\r\n") and post.endswith(b"\r\n\r\na=1&b=2")
