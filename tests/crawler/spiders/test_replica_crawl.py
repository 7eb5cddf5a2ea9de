"""The Khaama spider against the replica publisher: every article once, then only what changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from replica import ReplicaPublisher, ReplicaSite
from tests.crawler.spiders._support import run_crawl


def khaama_source(base: str) -> dict[str, object]:
    return {"start_urls": [base + "/"], "feeds": [base + "/feed/"], "allowed_domains": ["127.0.0.1"]}


def test_every_article_then_only_the_edited_and_the_new(publisher: ReplicaPublisher, replica_site: ReplicaSite):
    base = publisher.base_url.rstrip("/")
    expected = sorted(record["url"] for record in replica_site.expected_records(base))

    first = run_crawl("khaama", khaama_source(base))

    assert first["items"] == expected
    assert first["stats"]["newsarchive/discovery/api"] == len(expected)
    assert first["stats"]["newsarchive/discovery/feed"] >= 10
    assert first["stats"]["newsarchive/discovery/sitemap"] >= len(expected)
    assert "robotstxt/forbidden" not in first["stats"]  # the private link does not look like an article

    captured = datetime.now(UTC) - timedelta(seconds=5)
    replica_site.update_article(3, title="Corrected: " + replica_site.articles[3].title)
    edited = base + replica_site.article_path(replica_site.articles[3])
    added = replica_site.add_article("Fresh report on the new school year in Herat province")

    second = run_crawl("khaama", khaama_source(base), known=dict.fromkeys(first["items"], captured))

    assert second["items"] == sorted([edited, base + replica_site.article_path(added)])
    assert second["stats"]["newsarchive/spider/skipped_known"] >= len(expected) - 1
