"""ArticleStorePipeline: off without a database URL; stores batches with stats; keeps going through an outage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.discovery.frontpage import FrontPage, FrontPageLink
from crawler.extract.article import Article
from crawler.items import ArticleItem
from crawler.pipelines.store import ArticleStorePipeline

T0 = datetime(2024, 7, 13, 8, 0, tzinfo=UTC)


def article_item(n: int, body: str = "Body.", record: str = "") -> ArticleItem:
    url = f"https://www.khaama.com/story-{n}/"
    article = Article(url=url, title=f"Story {n}", body=body)
    return ArticleItem(article, "khaama", url, f"<urn:uuid:{n}{record}>", T0)


def pipeline_for(url: str, **settings) -> ArticleStorePipeline:
    crawler = get_crawler(settings_dict={"NEWSARCHIVE_DATABASE_URL": url, **settings})
    pipeline = ArticleStorePipeline.from_crawler(crawler)
    pipeline.open_spider()
    return pipeline


def test_not_configured_without_database_url():
    with pytest.raises(NotConfigured):
        ArticleStorePipeline.from_crawler(get_crawler(settings_dict={}))


def test_stores_items_and_counts(database_url, db_conn):
    pipeline = pipeline_for(database_url, NEWSARCHIVE_STORE_BATCH_SIZE=2)
    items = [article_item(n) for n in range(5)]
    assert [pipeline.process_item(item) for item in items] == items
    assert pipeline.process_item({"not": "an article"}) == {"not": "an article"}
    pipeline.close()
    assert db_conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
    stats = pipeline.stats.get_stats()
    assert stats["newsarchive/articles/new"] == 5
    assert "newsarchive/articles/unstored" not in stats

    again = pipeline_for(database_url)
    for item in [*items[:4], article_item(4, "Corrected body.", record="-recrawl")]:
        again.process_item(item)
    again.close()
    stats = again.stats.get_stats()
    assert (stats["newsarchive/articles/unchanged"], stats["newsarchive/articles/updated"]) == (4, 1)


def test_outage_counts_unstored_and_recovers(database_proxy, db_conn):
    # No back-off after the failure, so the test need not wait it out.
    pipeline = pipeline_for(database_proxy.url, NEWSARCHIVE_STORE_BATCH_SIZE=1, NEWSARCHIVE_STORE_RETRY_AFTER=0)
    database_proxy.down()
    pipeline.process_item(article_item(1))
    assert pipeline.writer.flush(timeout=30)
    database_proxy.up()
    pipeline.process_item(article_item(2))
    pipeline.close()
    stats = pipeline.stats.get_stats()
    assert (stats["newsarchive/articles/unstored"], stats["newsarchive/articles/new"]) == (1, 1)
    assert db_conn.execute("SELECT url FROM articles").fetchall() == [("https://www.khaama.com/story-2/",)]


def test_front_pages_ride_the_article_writer_and_repeat_no_links(database_url, db_conn):
    link = FrontPageLink(1, "https://www.khaama.com/story-1/", "Story 1", "Latest")
    home = "https://www.khaama.com/"
    pages = [FrontPage("khaama", home, T0.replace(hour=h), f"<urn:uuid:f{h}>", (link,)) for h in (8, 9)]
    pipeline = pipeline_for(database_url)
    for item in [article_item(1), *pages]:
        assert pipeline.process_item(item) is item
    pipeline.close()
    stats = pipeline.stats.get_stats()
    assert (stats["newsarchive/frontpages/stored"], stats["newsarchive/frontpages/link_sets"]) == (2, 1)
    assert stats["newsarchive/articles/new"] == 1
    assert db_conn.execute("SELECT count(*) FROM front_page_links").fetchone()[0] == 1
