"""The replica's discovery endpoints parse with the tools a crawler uses: feedparser, lxml, json."""

from __future__ import annotations

import calendar
import gzip
import json
from datetime import datetime, timedelta

import feedparser
import pytest
from lxml import etree

from replica import ReplicaPublisher, ReplicaSite
from replica.site import PER_PAGE
from tests.replica.http import fetch

SM = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "news": "http://www.google.com/schemas/sitemap-news/0.9"}


def _urls(site: ReplicaSite, base: str, articles: list | None = None) -> list[str]:
    return [base + site.article_path(a) for a in (site.articles if articles is None else articles)]


def _feed(publisher: ReplicaPublisher, path: str) -> feedparser.FeedParserDict:
    reply = fetch(publisher.base_url, path)
    assert reply.status == 200
    parsed = feedparser.parse(reply.body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_rss_feed_newest_first_with_pagination() -> None:
    site = ReplicaSite(25)
    with ReplicaPublisher(site) as publisher:
        first = _feed(publisher, "/feed/")
        assert first.version == "rss20"
        assert [e.link for e in first.entries] == _urls(site, publisher.base_url)[:PER_PAGE]
        third = _feed(publisher, "/feed/?paged=3")
        assert [e.link for e in third.entries] == _urls(site, publisher.base_url)[2 * PER_PAGE :]
        assert _feed(publisher, "/feed/?paged=9").entries == []


def test_rss_item_fields(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    parsed = _feed(publisher, "/feed/")
    entry, article = parsed.entries[0], replica_site.articles[0]
    assert entry.title == article.title
    assert calendar.timegm(entry.published_parsed) == article.published.timestamp()
    assert [a.name for a in entry.authors] == article.authors
    assert [t.term for t in entry.tags] == [article.section, *article.tags]
    assert article.paragraphs[-1] in entry.content[0].value
    assert entry.id == f"{publisher.base_url}/?p={article.id}"


def test_category_feed_and_atom(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    world = [a for a in replica_site.articles if a.section == "World"]
    parsed = _feed(publisher, "/category/world/feed/")
    assert [e.link for e in parsed.entries] == _urls(replica_site, publisher.base_url, world)
    assert fetch(publisher.base_url, "/category/nowhere/feed/").status == 404
    atom = _feed(publisher, "/feed/atom/")
    assert atom.version == "atom10"
    assert [e.link for e in atom.entries] == _urls(replica_site, publisher.base_url)[:PER_PAGE]


def _xml(publisher: ReplicaPublisher, path: str) -> etree._Element:
    reply = fetch(publisher.base_url, path)
    assert reply.status == 200, path
    return etree.fromstring(reply.body)


def test_yoast_sitemaps(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    base = publisher.base_url
    index = _xml(publisher, "/sitemap_index.xml")
    locs = index.xpath("//sm:sitemap/sm:loc/text()", namespaces=SM)
    assert locs == [f"{base}/post-sitemap.xml", f"{base}/category-sitemap.xml", f"{base}/news-sitemap.xml"]
    assert all(index.xpath("//sm:sitemap/sm:lastmod/text()", namespaces=SM))
    posts = _xml(publisher, "/post-sitemap.xml")
    assert posts.xpath("//sm:url/sm:loc/text()", namespaces=SM) == _urls(replica_site, base)
    lastmods = [datetime.fromisoformat(v) for v in posts.xpath("//sm:url/sm:lastmod/text()", namespaces=SM)]
    assert lastmods == [a.last_modified for a in replica_site.articles]
    categories = _xml(publisher, "/category-sitemap.xml").xpath("//sm:loc/text()", namespaces=SM)
    assert f"{base}/category/world/" in categories


def test_gzip_sitemap_variant(publisher: ReplicaPublisher) -> None:
    reply = fetch(publisher.base_url, "/post-sitemap.xml.gz")
    assert reply.header("Content-Type") == "application/x-gzip"
    assert reply.header("Content-Encoding") is None
    assert gzip.decompress(reply.body) == fetch(publisher.base_url, "/post-sitemap.xml").body


def test_news_sitemap(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    news = _xml(publisher, "/news-sitemap.xml")
    dates = news.xpath("//news:publication_date/text()", namespaces=SM)
    assert dates and dates[0] == replica_site.articles[0].published.isoformat()
    newest = replica_site.articles[0].published
    assert all(newest - datetime.fromisoformat(d) <= timedelta(days=2) for d in dates)
    assert replica_site.articles[-1].published.isoformat() not in dates  # the 2021 article is not news


def test_core_wp_sitemaps(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    base = publisher.base_url
    index = _xml(publisher, "/wp-sitemap.xml").xpath("//sm:loc/text()", namespaces=SM)
    assert index == [f"{base}/wp-sitemap-posts-post-1.xml", f"{base}/wp-sitemap-taxonomies-category-1.xml"]
    posts = _xml(publisher, "/wp-sitemap-posts-post-1.xml").xpath("//sm:loc/text()", namespaces=SM)
    assert posts == _urls(replica_site, base)
    assert fetch(base, "/wp-sitemap-posts-post-2.xml").status == 404


def test_big_site_splits_post_sitemaps() -> None:
    with ReplicaPublisher(ReplicaSite(2300)) as publisher:
        locs = _xml(publisher, "/sitemap_index.xml").xpath("//sm:loc/text()", namespaces=SM)
        assert [loc for loc in locs if "post-sitemap" in loc] == [
            f"{publisher.base_url}/post-sitemap.xml",
            f"{publisher.base_url}/post-sitemap2.xml",
            f"{publisher.base_url}/post-sitemap3.xml",
        ]
        third = _xml(publisher, "/post-sitemap3.xml").xpath("//sm:loc/text()", namespaces=SM)
        assert len(third) == 300


def _api(publisher: ReplicaPublisher, query: str) -> tuple[int, dict, object]:
    reply = fetch(publisher.base_url, "/wp-json/wp/v2/posts" + query)
    assert reply.header("Content-Type") == "application/json; charset=UTF-8"
    return reply.status, reply.headers, json.loads(reply.body)


def test_wp_json_posts(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    status, headers, posts = _api(publisher, "?per_page=5")
    assert status == 200
    assert headers["X-WP-Total"] == "12" and headers["X-WP-TotalPages"] == "3"
    assert 'rel="next"' in headers["Link"]
    article = replica_site.articles[0]
    first = posts[0]
    assert first["id"] == article.id and first["slug"] == article.slug
    assert first["link"] == publisher.base_url + replica_site.article_path(article)
    assert first["date"] == article.published.replace(tzinfo=None).isoformat()
    assert first["date_gmt"] == (article.published - timedelta(hours=4, minutes=30)).replace(tzinfo=None).isoformat()
    assert first["title"]["rendered"] == article.title
    assert article.paragraphs[0].split()[-1] in first["content"]["rendered"]
    assert {"modified", "modified_gmt", "excerpt", "categories", "tags"} <= set(first)
    _, _, last_page = _api(publisher, "?per_page=5&page=3")
    assert [p["id"] for p in last_page] == [a.id for a in replica_site.articles[10:]]


def test_wp_json_errors_like_wordpress(publisher: ReplicaPublisher) -> None:
    status, _, body = _api(publisher, "?per_page=5&page=4")
    assert status == 400 and body["code"] == "rest_post_invalid_page_number"
    status, _, body = _api(publisher, "?per_page=101")
    assert status == 400 and body["code"] == "rest_invalid_param"
    reply = fetch(publisher.base_url, "/wp-json/wp/v2/nothing")
    assert reply.status == 404 and json.loads(reply.body)["code"] == "rest_no_route"


@pytest.mark.parametrize("after", ["2024-07-12T00:00:00", "2024-07-11T19:30:00Z", "2024-07-12T00:00:00+04:30"])
def test_wp_json_after_filter(publisher: ReplicaPublisher, replica_site: ReplicaSite, after: str) -> None:
    limit = datetime.fromisoformat(after.replace("Z", "+00:00"))
    if limit.tzinfo is None:
        limit = limit.replace(tzinfo=replica_site.articles[0].published.tzinfo)
    expected = [a.id for a in replica_site.articles if a.published > limit]
    status, headers, posts = _api(publisher, f"?after={after.replace('+', '%2B')}&per_page=100")
    assert status == 200
    assert [p["id"] for p in posts] == expected and headers["X-WP-Total"] == str(len(expected))
    assert 0 < len(expected) < len(replica_site.articles)


def test_added_article_tops_feed_sitemaps_and_api(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    fetch(publisher.base_url, "/feed/")  # rendered and cached before the edit
    added = replica_site.add_article("A new report from Herat", ["First paragraph.", "Second paragraph."])
    url = publisher.base_url + replica_site.article_path(added)
    assert _feed(publisher, "/feed/").entries[0].link == url
    assert _xml(publisher, "/post-sitemap.xml").xpath("//sm:url/sm:loc/text()", namespaces=SM)[0] == url
    assert _xml(publisher, "/news-sitemap.xml").xpath("//sm:url/sm:loc/text()", namespaces=SM)[0] == url
    _, headers, posts = _api(publisher, "")
    assert posts[0]["link"] == url and headers["X-WP-Total"] == "13"
    assert fetch(publisher.base_url, replica_site.article_path(added)).status == 200


def test_updated_article_moves_lastmod(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    replica_site.update_article(6, body="Rewritten.")
    posts = _xml(publisher, "/post-sitemap.xml")
    lastmods = dict(
        zip(
            posts.xpath("//sm:loc/text()", namespaces=SM),
            posts.xpath("//sm:lastmod/text()", namespaces=SM),
            strict=True,
        )
    )
    url = publisher.base_url + replica_site.article_path(replica_site.articles[6])
    assert datetime.fromisoformat(lastmods[url]) == replica_site.articles[6].modified
    _, _, posts_json = _api(
        publisher, f"?modified_after={replica_site.articles[0].last_modified.isoformat().replace('+', '%2B')}"
    )
    assert [p["id"] for p in posts_json] == [replica_site.articles[6].id]
