"""ArticleStore: versioning rules, idempotence, out-of-order seen times, date precision, known URLs."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta, timezone

import psycopg
import pytest

from crawler.extract.article import Article
from crawler.items import ArticleItem, NotModifiedItem
from crawler.storage.articles import ArticleStore, StoreCounts
from crawler.storage.captures import CaptureStore
from crawler.storage.database import connect
from crawler.storage.recheck import Recheck, due_rechecks
from crawler.warc.capture import CaptureRow

T0 = datetime(2024, 7, 13, 8, 0, tzinfo=UTC)
URL = "https://www.khaama.com/nato-us-to-decide-troops-pullout-as-an-alliance-blinken-54353566/"


def item(
    body: str = "Body one.",
    *,
    url: str = URL,
    seen_at: datetime = T0,
    record_id: str | None = None,
    fetched_url: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    **fields,
) -> ArticleItem:
    fields.setdefault("title", "NATO, US to decide troops pullout as an alliance")
    article = Article(url=url, body=body, extractor="default/1", **fields)
    return ArticleItem(
        article=article,
        source="khaama",
        fetched_url=fetched_url or url,
        warc_record_id=record_id,
        seen_at=seen_at,
        etag=etag,
        last_modified=last_modified,
    )


def articles(conn) -> list[tuple]:
    return conn.execute(
        "SELECT url, title, body, version, first_seen_at, last_seen_at FROM articles ORDER BY url"
    ).fetchall()


def version_count(conn) -> int:
    return conn.execute("SELECT count(*) FROM article_versions").fetchone()[0]


def test_new_article_is_version_one(db_conn):
    counts = ArticleStore(db_conn).store_many([item(record_id="<urn:uuid:1>")])
    assert counts == StoreCounts(new=1)
    assert articles(db_conn) == [(URL, "NATO, US to decide troops pullout as an alliance", "Body one.", 1, T0, T0)]


def test_unchanged_recrawl_only_moves_last_seen(db_conn):
    store = ArticleStore(db_conn)
    store.store_many([item(record_id="<urn:uuid:1>")])
    later = T0 + timedelta(hours=1)
    counts = store.store_many([item(record_id="<urn:uuid:2>", seen_at=later)])
    assert counts == StoreCounts(unchanged=1)
    assert version_count(db_conn) == 1
    assert articles(db_conn)[0][3:] == (1, T0, later)


def test_changed_content_makes_a_new_version(db_conn):
    store = ArticleStore(db_conn)
    store.store_many([item(record_id="<urn:uuid:1>")])
    later = T0 + timedelta(hours=1)
    counts = store.store_many([item("Body two (corrected).", record_id="<urn:uuid:2>", seen_at=later)])
    assert counts == StoreCounts(updated=1)
    assert articles(db_conn)[0][2:] == ("Body two (corrected).", 2, T0, later)
    versions = db_conn.execute("SELECT version, body, seen_at FROM article_versions ORDER BY version").fetchall()
    assert versions == [(1, "Body one.", T0), (2, "Body two (corrected).", later)]


def test_fields_outside_the_content_hash_do_not_version(db_conn):
    store = ArticleStore(db_conn)
    store.store_many([item(record_id="<urn:uuid:1>", tags=("a",))])
    counts = store.store_many([item(record_id="<urn:uuid:2>", tags=("b",), seen_at=T0 + timedelta(1))])
    assert counts == StoreCounts(unchanged=1)


def test_same_capture_twice_never_versions(db_conn):
    store = ArticleStore(db_conn)
    store.store_many([item(record_id="<urn:uuid:1>")])
    # A replay with a newer extractor may extract differently from the same capture: still the same capture.
    counts = store.store_many([item("Different extraction.", record_id="<urn:uuid:1>")])
    assert counts == StoreCounts(unchanged=1)
    assert version_count(db_conn) == 1


def test_store_many_is_idempotent_for_a_batch(db_conn):
    store = ArticleStore(db_conn)
    batch = [item(f"Body {n}", url=f"https://example.org/a-{n}/", record_id=f"<urn:uuid:{n}>") for n in range(20)]
    assert store.store_many(batch) == StoreCounts(new=20)
    before = articles(db_conn)
    assert store.store_many(batch) == StoreCounts(unchanged=20)
    assert articles(db_conn) == before
    assert version_count(db_conn) == 20


def test_out_of_order_replay(db_conn):
    store = ArticleStore(db_conn)
    t1, t2, t3 = T0, T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    store.store_many([item("B", seen_at=t3, record_id="<urn:uuid:3>")])
    # An older capture with other content: a version of its own, but the newest capture stays current.
    assert store.store_many([item("A", seen_at=t1, record_id="<urn:uuid:1>")]) == StoreCounts(updated=1)
    # A capture between them with A's content changes nothing but the seen times.
    assert store.store_many([item("A", seen_at=t2, record_id="<urn:uuid:2>")]) == StoreCounts(unchanged=1)
    assert articles(db_conn)[0][2:] == ("B", 1, t1, t3)
    assert version_count(db_conn) == 2


def test_a_batch_with_several_captures_of_one_url(db_conn):
    later = T0 + timedelta(hours=1)
    batch = [item("new", seen_at=later, record_id="<urn:uuid:2>"), item("old", seen_at=T0, record_id="<urn:uuid:1>")]
    assert ArticleStore(db_conn).store_many(batch) == StoreCounts(new=1, updated=1)
    assert articles(db_conn)[0][2:] == ("new", 2, T0, later)


def test_date_only_and_zoned_times(db_conn):
    kabul = timezone(timedelta(hours=4, minutes=30))
    ArticleStore(db_conn).store_many(
        [
            item(published_at=date(2021, 3, 25), modified_at=datetime(2021, 3, 26, 10, 0, tzinfo=kabul)),
            item(url="https://example.org/b/", published_at=datetime(2021, 3, 25, 9, 30, tzinfo=kabul)),
            item(url="https://example.org/c/"),
        ]
    )
    rows = db_conn.execute(
        "SELECT url, published_at, date_precision, modified_at FROM articles ORDER BY url"
    ).fetchall()
    assert rows == [
        ("https://example.org/b/", datetime(2021, 3, 25, 5, 0, tzinfo=UTC), "second", None),
        ("https://example.org/c/", None, None, None),
        (URL, datetime(2021, 3, 25, tzinfo=UTC), "day", datetime(2021, 3, 26, 5, 30, tzinfo=UTC)),
    ]
    precision = db_conn.execute("SELECT modified_precision FROM article_versions WHERE modified_at IS NOT NULL")
    assert precision.fetchall() == [("second",)]


def test_all_fields_round_trip(db_conn):
    ArticleStore(db_conn).store_many(
        [
            item(
                authors=("Khaama Press", "A. Writer"),
                tags=("NATO", "US"),
                section="World",
                language="en",
                summary="Short.",
                image_url="https://www.khaama.com/i.jpg",
            )
        ]
    )
    row = db_conn.execute("SELECT authors, tags, section, language, summary, image_url FROM articles").fetchone()
    assert row == (
        ["Khaama Press", "A. Writer"],
        ["NATO", "US"],
        "World",
        "en",
        "Short.",
        "https://www.khaama.com/i.jpg",
    )
    assert searchable(db_conn, "nato") == [URL]


def searchable(conn, word: str) -> list[str]:
    """URLs the reading room's search index (search_documents) finds for ``word``."""
    rows = conn.execute(
        "SELECT r.url FROM search_documents d JOIN article_records r ON r.id = d.article_id"
        " WHERE d.document @@ plainto_tsquery('simple', %s) ORDER BY r.url",
        [word],
    ).fetchall()
    return [url for (url,) in rows]


def test_search_follows_the_current_version(db_conn):
    store = ArticleStore(db_conn)
    store.store_many([item("The ministry denied the report.", record_id="<urn:uuid:1>")])
    assert searchable(db_conn, "denied") == [URL]
    later = T0 + timedelta(hours=1)
    store.store_many([item("The ministry confirmed the report.", record_id="<urn:uuid:2>", seen_at=later)])
    assert searchable(db_conn, "denied") == []
    assert searchable(db_conn, "confirmed") == [URL]
    # An older capture found later (a replay) moves the first sighting: the document follows it.
    store.store_many([item("The ministry confirmed the report.", record_id="<urn:uuid:0>", seen_at=T0 - timedelta(1))])
    row = db_conn.execute("SELECT first_seen_at, count(*) OVER () FROM search_documents").fetchone()
    assert row == (T0 - timedelta(1), 1)


def test_rollback_on_error_leaves_nothing(db_conn):
    bad = item(url="https://example.org/bad/")
    bad.fetched_url = None  # violates NOT NULL in the second row of the batch
    with pytest.raises(psycopg.errors.NotNullViolation):
        ArticleStore(db_conn).store_many([item(), bad])
    assert articles(db_conn) == []


def test_known_articles_covers_records_fetched_urls_and_captures(db_conn):
    store = ArticleStore(db_conn)
    store.store_many([item(fetched_url="https://www.khaama.com/?p=54353566", seen_at=T0)])
    later = T0 + timedelta(days=1)
    rows = [
        CaptureRow(
            "a.warc.gz",
            0,
            10,
            "<urn:uuid:c1>",
            "response",
            "https://www.khaama.com/x-1/",
            later,
            200,
            "text/html",
            "sha1:AAAA",
            source="khaama",
            page_kind="article",
        ),
        CaptureRow(
            "a.warc.gz",
            10,
            10,
            "<urn:uuid:c2>",
            "response",
            "https://www.khaama.com/feed/",
            later,
            200,
            "application/rss+xml",
            "sha1:BBBB",
            source="khaama",
            page_kind="feed",
        ),
        CaptureRow(
            "a.warc.gz",
            20,
            10,
            "<urn:uuid:c3>",
            "response",
            "https://www.khaama.com/gone-2/",
            later,
            404,
            "text/html",
            "sha1:CCCC",
            source="khaama",
            page_kind="article",
        ),
        CaptureRow(
            "a.warc.gz",
            30,
            10,
            "<urn:uuid:c4>",
            "response",
            "https://other.example/y-3/",
            later,
            200,
            "text/html",
            "sha1:DDDD",
            source="other",
            page_kind="article",
        ),
    ]
    CaptureStore(db_conn).add_captures(rows)
    assert store.known_articles("khaama") == {
        URL: T0,
        "https://www.khaama.com/?p=54353566": T0,
        "https://www.khaama.com/x-1/": later,
    }
    assert store.totals() == {"khaama": 1}


def test_concurrent_writers_agree(database_url, db_conn):
    """A crawl and a replay storing the same articles at once: one record each, one version per content."""
    urls = [f"https://example.org/c-{n}/" for n in range(300)]
    later = T0 + timedelta(hours=1)
    jobs = [
        [item("old", url=url, seen_at=T0, record_id=f"<urn:uuid:old-{url}>") for url in urls],
        [item("new", url=url, seen_at=later, record_id=f"<urn:uuid:new-{url}>") for url in reversed(urls)],
    ]

    def write(batch_items):
        with connect(database_url, autocommit=True) as conn:
            store = ArticleStore(conn)
            return sum(
                (store.store_many(batch_items[start : start + 50]) for start in range(0, len(batch_items), 50)),
                StoreCounts(),
            )

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(write, jobs))
    total = results[0] + results[1]
    assert (total.new, total.updated, total.unchanged) == (300, 300, 0)
    rows = db_conn.execute("SELECT body, version, first_seen_at, last_seen_at FROM articles").fetchall()
    assert len(rows) == 300
    assert {(body, first, last) for body, _version, first, last in rows} == {("new", T0, later)}
    assert version_count(db_conn) == 600


def change_classes(conn) -> list[tuple]:
    return conn.execute("SELECT version, change_class, change_rule FROM article_versions ORDER BY version").fetchall()


def test_each_new_version_is_classed_against_the_one_before_it(db_conn):
    store = ArticleStore(db_conn)
    text = "The road opens in May.\nOfficials expect 4,000 vehicles a day."
    store.store_many([item(text, seen_at=T0)])
    store.store_many([item(text.replace("4,000", "40,000"), seen_at=T0 + timedelta(hours=1))])
    # Two more in one batch: the second is compared with the first of the batch, not with the database's.
    store.store_many(
        [
            item(text.replace("4,000", "40,000") + "\nUpdated 10:42", seen_at=T0 + timedelta(hours=2)),
            item(text.replace("4,000", "40,000").replace("May", "June"), seen_at=T0 + timedelta(hours=3)),
        ]
    )
    assert change_classes(db_conn) == [
        (1, None, None),
        (2, "substantive", "body"),
        (3, "trivial", "stamp"),
        (4, "substantive", "body"),
    ]


def test_a_version_stored_out_of_order_is_classed_against_the_version_then_in_effect(db_conn):
    store = ArticleStore(db_conn)
    store.store_many([item("It\u2019s open.", seen_at=T0)])
    store.store_many([item("It is closed.", seen_at=T0 + timedelta(hours=2))])
    store.store_many([item("It's open.", seen_at=T0 + timedelta(hours=1))])  # an older WARC replayed later
    assert change_classes(db_conn) == [(1, None, None), (2, "substantive", "body"), (3, "trivial", "typography")]


STEPS = {"khaama": (900.0, 3600.0, 3 * 3600.0)}


def schedule(conn) -> tuple:
    return conn.execute(
        "SELECT recheck_base, recheck_step, next_check_at, etag, last_modified FROM article_records"
    ).fetchone()


def test_the_recheck_schedule_decays_and_restarts_after_a_substantive_edit(db_conn):
    store = ArticleStore(db_conn, recheck=STEPS)
    text = "The road opens in May.\nOfficials expect 4,000 vehicles a day."
    minutes = lambda n: T0 + timedelta(minutes=n)  # noqa: E731
    store.store_many([item(text, seen_at=T0, etag='"v1"', last_modified="Sat, 13 Jul 2024 08:00:00 GMT")])
    assert schedule(db_conn) == (T0, 0, minutes(15), '"v1"', "Sat, 13 Jul 2024 08:00:00 GMT")
    store.store_many([item(text, seen_at=minutes(20))])  # unchanged, no validators sent: the old ones stay
    assert schedule(db_conn)[1:4] == (1, minutes(60), '"v1"')
    store.store_not_modified([NotModifiedItem(URL, "khaama", minutes(70))])
    assert schedule(db_conn)[1:3] == (2, minutes(180))
    assert db_conn.execute("SELECT last_seen_at FROM article_records").fetchone()[0] == minutes(70)
    store.store_many([item(text + "\nUpdated 11:10", seen_at=minutes(190))])  # trivial: no restart
    assert schedule(db_conn)[1:3] == (3, None), "past the last step: no more re-checks"
    store.store_many([item(text.replace("May", "June"), seen_at=minutes(300), etag='"v2"')])  # substantive
    assert schedule(db_conn)[:4] == (minutes(300), 0, minutes(315), '"v2"')


def test_due_rechecks_come_from_the_index_soonest_first_with_their_validators(db_conn):
    store = ArticleStore(db_conn, recheck=STEPS)
    early, late = URL + "a/", URL + "b/"
    store.store_many([item(url=late, seen_at=T0 + timedelta(minutes=5), etag='"b"')])
    store.store_many([item(url=early, seen_at=T0, last_modified="Sat, 13 Jul 2024 08:00:00 GMT")])
    assert due_rechecks(db_conn, "khaama", T0 + timedelta(minutes=10)) == []
    due = due_rechecks(db_conn, "khaama", T0 + timedelta(minutes=30))
    assert due == [Recheck(early, None, "Sat, 13 Jul 2024 08:00:00 GMT"), Recheck(late, '"b"', None)]
    assert due_rechecks(db_conn, "other", T0 + timedelta(days=1)) == []
    db_conn.execute("SET enable_seqscan = off")  # two rows: the planner would rightly scan; is the index usable?
    plan = db_conn.execute(
        "EXPLAIN SELECT url FROM article_records WHERE source = 'khaama' AND next_check_at IS NOT NULL"
        " AND next_check_at <= now() ORDER BY next_check_at LIMIT 10"
    ).fetchall()
    assert "article_records_next_check" in " ".join(row[0] for row in plan)


def test_without_a_schedule_for_its_source_an_article_keeps_the_one_it_has(db_conn):
    ArticleStore(db_conn, recheck=STEPS).store_many([item(seen_at=T0)])
    ArticleStore(db_conn).store_many([item("Body two.", seen_at=T0 + timedelta(minutes=20))])
    assert schedule(db_conn)[:3] == (T0, 0, T0 + timedelta(minutes=15))
