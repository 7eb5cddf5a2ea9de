"""Search order on a small archive of our own: where a word appears decides the rank, then the date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
from starlette.testclient import TestClient

from crawler.extract.article import Article
from crawler.items import ArticleItem
from crawler.storage.articles import ArticleStore
from scheduler.web import create_app

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
FILLER = "The council met on Tuesday and discussed the budget for the coming year at some length. " * 6


def stored(conn: psycopg.Connection, slug: str, hours: int, *, title: str, summary: str | None, body: str) -> str:
    url = f"https://news.example/{slug}/"
    article = Article(url=url, title=title, summary=summary, body=body, extractor="default/1", language="en")
    seen = T0 + timedelta(hours=hours)
    ArticleStore(conn).store_many(
        [ArticleItem(article=article, source="example", fetched_url=url, warc_record_id=None, seen_at=seen)]
    )
    return url


def test_title_then_summary_then_body_only_newest_first(database_url: str, db_conn: psycopg.Connection) -> None:
    body_old = stored(db_conn, "body-old", 1, title="Budget talks", summary="Talks.", body=FILLER + "Floods hit.")
    in_title = stored(db_conn, "in-title", 2, title="Floods hit the north", summary="Rain.", body=FILLER)
    body_new = stored(db_conn, "body-new", 3, title="Budget vote", summary="A vote.", body=FILLER + "Floods again.")
    in_lead = stored(db_conn, "in-lead", 0, title="Rain in the north", summary=None, body="Floods. " + FILLER)
    with TestClient(create_app(database_url)) as client:
        ranked = client.get("/api/search", params={"q": "floods"}).json()["page"]["rows"]
        by_date = client.get("/api/search", params={"q": "floods", "sort": "date"}).json()["page"]["rows"]
    assert [row["url"] for row in ranked] == [in_title, in_lead, body_new, body_old]
    assert [row["url"] for row in by_date] == [body_new, in_title, body_old, in_lead]
