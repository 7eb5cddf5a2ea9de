"""CaptureStore: indexing records once, closed files, and the revisit look-ups the WARC writer dedups with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scrapy.settings import Settings

from crawler.storage.captures import EMPTY_PAYLOAD_DIGEST, CaptureStore, load_dedup_index, surt_key
from crawler.warc.capture import CaptureRow

T0 = datetime(2024, 7, 13, 8, 0, tzinfo=UTC)


def response(n: int, digest: str, *, url: str = "https://www.khaama.com/a-1/", status: int = 200, when=T0, **kw):
    return CaptureRow(
        filename="newsarchive-20240713080000000-00000-host.warc.gz",
        offset=n * 1000,
        length=900,
        record_id=f"<urn:uuid:{n:08d}-0000-0000-0000-000000000000>",
        record_type=kw.pop("record_type", "response"),
        target_uri=url,
        warc_date=when,
        status=status,
        mime="text/html",
        payload_digest=digest,
        source=kw.pop("source", "khaama"),
        page_kind="article",
        **kw,
    )


def test_add_captures_once(db_conn):
    store = CaptureStore(db_conn)
    rows = [response(1, "sha1:AAAA"), response(2, "sha1:BBBB", url="https://www.khaama.com/b-2/?x=1&a=2")]
    assert store.add_captures(rows) == 2
    assert store.add_captures([*rows, response(3, "sha1:CCCC")]) == 1
    stored = db_conn.execute(
        "SELECT record_offset, record_length, surt, url, captured_at FROM captures ORDER BY record_offset"
    ).fetchall()
    assert stored[1] == (2000, 900, "com,khaama)/b-2?a=2&x=1", "https://www.khaama.com/b-2/?x=1&a=2", T0)
    assert len(stored) == 3
    assert store.record_ids(rows[0].filename) == {row.record_id for row in rows} | {response(3, "x").record_id}


def test_file_closed_is_idempotent(db_conn):
    store = CaptureStore(db_conn)
    store.file_closed("f.warc.gz", "/archive/f.warc.gz", 100, 3, run_id=7)
    store.file_closed("f.warc.gz", "/archive/f.warc.gz", 120, 4)
    row = db_conn.execute("SELECT path, size, records, run_id, closed_at IS NOT NULL FROM warc_files").fetchall()
    assert row == [("/archive/f.warc.gz", 120, 4, 7, True)]


def test_revisit_target_is_the_earliest_2xx_nonempty_response(db_conn):
    store = CaptureStore(db_conn)
    store.add_captures(
        [
            response(1, "sha1:AAAA", when=T0 + timedelta(hours=1)),
            response(2, "sha1:AAAA", url="https://www.khaama.com/first/", when=T0),
            response(3, "sha1:AAAA", record_type="revisit", when=T0 - timedelta(hours=1)),
            response(4, "sha1:NOTFOUND", status=404),
            response(5, EMPTY_PAYLOAD_DIGEST),
        ]
    )
    assert store.revisit_target("sha1:AAAA") == (response(2, "").record_id, "https://www.khaama.com/first/", T0)
    assert store.revisit_target("sha1:NOTFOUND") is None
    assert store.revisit_target(EMPTY_PAYLOAD_DIGEST) is None
    assert store.revisit_target("sha1:NEVER") is None


def test_load_digests_per_source(db_conn):
    store = CaptureStore(db_conn)
    store.add_captures([response(1, "sha1:AAAA"), response(2, "sha1:BBBB", source="other")])
    assert store.load_digests("khaama") == {"sha1:AAAA": (response(1, "").record_id, "https://www.khaama.com/a-1/", T0)}


def test_surt_key():
    assert surt_key("https://www.khaama.com/x-1/?b=2&a=1") == "com,khaama)/x-1?a=1&b=2"
    assert surt_key(None) is None


def test_load_dedup_index_from_crawl_settings(database_url, db_conn):
    CaptureStore(db_conn).add_captures([response(1, "sha1:AAAA")])
    settings = Settings({"NEWSARCHIVE_DATABASE_URL": database_url, "NEWSARCHIVE_SOURCE": "khaama"})
    assert load_dedup_index(settings) == {"sha1:AAAA": (response(1, "").record_id, "https://www.khaama.com/a-1/", T0)}
    dead = Settings({"NEWSARCHIVE_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x", "NEWSARCHIVE_SOURCE": "khaama"})
    assert load_dedup_index(dead) == {}
    assert load_dedup_index(Settings({})) == {}
