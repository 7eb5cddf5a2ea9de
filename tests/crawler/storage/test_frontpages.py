"""The front-page store on a real PostgreSQL: captures point at link sets; an unchanged page stores no links again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg

from crawler.discovery.frontpage import FrontPage, FrontPageLink
from crawler.storage.frontpages import FrontPageStore

T0 = datetime(2024, 7, 13, 6, 0, tzinfo=UTC)
LINKS = (
    FrontPageLink(1, "https://e.org/lead-story-1234567/", "Lead story", "Top story", ("Most read", "Latest")),
    FrontPageLink(2, "https://e.org/second-story-1234568/", None, None),
)


def page(n: int, links: tuple[FrontPageLink, ...] = LINKS) -> FrontPage:
    return FrontPage("e", "https://e.org/", T0 + timedelta(hours=n), f"<urn:uuid:{n}>", links)


def counts(conn: psycopg.Connection) -> tuple[int, int, int]:
    return conn.execute(
        "SELECT (SELECT count(*) FROM front_pages), (SELECT count(*) FROM front_page_link_sets),"
        " (SELECT count(*) FROM front_page_links)"
    ).fetchone()


def test_links_are_stored_once_per_distinct_page(db_conn: psycopg.Connection) -> None:
    store = FrontPageStore(db_conn)
    first = store.store_many([page(0)])
    assert (first.pages, first.link_sets, first.links) == (1, 1, 2)
    assert db_conn.execute(
        "SELECT rank, url, text, box, other_boxes FROM front_page_links ORDER BY rank"
    ).fetchall() == [
        (1, LINKS[0].url, "Lead story", "Top story", ["Most read", "Latest"]),
        (2, LINKS[1].url, None, None, None),
    ]

    unchanged = store.store_many([page(1), page(2)])
    assert (unchanged.pages, unchanged.link_sets, unchanged.links) == (2, 0, 0)
    assert counts(db_conn) == (3, 1, 2)

    changed = store.store_many([page(3, LINKS[:1])])
    assert (changed.pages, changed.link_sets, changed.links) == (1, 1, 1)
    back = store.store_many([page(4)])  # the page flips back: the earlier set is reused
    assert (back.link_sets, back.links) == (0, 0)
    assert counts(db_conn) == (5, 2, 3)


def test_storing_a_capture_again_changes_nothing(db_conn: psycopg.Connection) -> None:
    store = FrontPageStore(db_conn)
    store.store_many([page(0), page(1, LINKS[1:])])
    before = db_conn.execute("SELECT * FROM front_pages ORDER BY id").fetchall()

    again = store.store_many([page(1, LINKS[1:]), page(0)])

    assert (again.pages, again.link_sets, again.links) == (0, 0, 0)
    assert db_conn.execute("SELECT * FROM front_pages ORDER BY id").fetchall() == before
    assert db_conn.execute("SELECT link_count FROM front_page_link_sets ORDER BY id").fetchall() == [(2,), (1,)]
