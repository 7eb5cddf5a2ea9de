"""Article pages: tagDiv-Newspaper markup, Yoast metadata matching the expected record, boilerplate present,
main text extractable by trafilatura."""

from __future__ import annotations

import json

import lxml.html
import trafilatura

from replica import ReplicaPublisher, ReplicaSite
from tests.replica.http import fetch

BOILERPLATE = [
    "- Advertisement -",
    "Khaama Press is a Kabul-based independent and non-political news organization established in 2010.",
    "More articles",
    "Please enter your comment!",
    "Please enter your name here",
    "You have entered an incorrect email address!",
    "reCAPTCHA",
]


def _page(publisher: ReplicaPublisher, index: int) -> tuple[lxml.html.HtmlElement, str]:
    site = publisher.site
    reply = fetch(publisher.base_url, site.article_path(site.articles[index]))
    assert reply.status == 200
    assert reply.header("Content-Type") == "text/html; charset=UTF-8"
    text = reply.body.decode("utf-8")
    return lxml.html.fromstring(text), text


def _graph(doc: lxml.html.HtmlElement) -> dict[str, dict]:
    (script,) = doc.xpath('//script[@class="yoast-schema-graph"]')
    return {node["@type"]: node for node in json.loads(script.text)["@graph"]}


def test_head_metadata_matches_expected_record(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    records = replica_site.expected_records(publisher.base_url)
    for index, record in enumerate(records):
        doc, _ = _page(publisher, index)

        def meta(prop: str, doc: lxml.html.HtmlElement = doc) -> list[str]:
            return doc.xpath(f'//meta[@property="{prop}"]/@content')

        assert doc.xpath("//title/text()") == [f"{record['title']} - Khaama Press"]
        assert doc.xpath('//link[@rel="canonical"]/@href') == [record["url"]]
        assert meta("og:type") == ["article"]
        assert meta("og:url") == [record["url"]]
        assert meta("og:image") == [record["image_url"]]
        assert meta("og:description") == [record["summary"]]
        assert meta("article:published_time") == [record["published_at"]]
        assert meta("article:modified_time") == ([record["modified_at"]] if record["modified_at"] else [])
        assert meta("article:section") == [record["section"]]
        assert meta("article:tag") == record["tags"]
        assert doc.xpath('//h1[@class="tdb-title-text"]/text()') == [record["title"]]
        assert doc.xpath('//time[contains(@class, "entry-date")]/@datetime')[0] == record["published_at"]


def test_json_ld_graph(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    records = replica_site.expected_records(publisher.base_url)
    for index, record in enumerate(records):
        graph = _graph(_page(publisher, index)[0])
        article = graph.get("NewsArticle") or graph["Article"]
        assert article["headline"] == record["title"]
        assert article["datePublished"] == record["published_at"]
        assert article.get("dateModified") == record["modified_at"]
        assert article["articleSection"] == [record["section"]]
        assert article["keywords"] == record["tags"]
        assert article["inLanguage"] == "en-US"
        authors = article["author"] if isinstance(article["author"], list) else [article["author"]]
        people = {node["@id"]: node["name"] for node in json.loads(_raw_graph(publisher, index))["@graph"]
                  if node["@type"] == "Person"}  # fmt: skip
        assert [people[a["@id"]] for a in authors] == record["authors"]
        assert graph["WebPage"]["url"] == record["url"]
        assert graph["Organization"]["name"] == "Khaama Press"


def _raw_graph(publisher: ReplicaPublisher, index: int) -> str:
    doc, _ = _page(publisher, index)
    return doc.xpath('//script[@class="yoast-schema-graph"]')[0].text


def test_boilerplate_and_todays_date_bar(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    doc, text = _page(publisher, len(replica_site.articles) - 1)  # the 2021 article
    for phrase in BOILERPLATE:
        assert phrase in text
    date_bar = doc.xpath('//div[contains(@class, "tdb_header_date")]//text()')
    assert replica_site.date_bar() in "".join(date_bar)
    assert "2021" not in replica_site.date_bar()
    article = replica_site.articles[-1]
    assert len(doc.xpath(f'//a[contains(@href, "/author/")][normalize-space()="{article.authors[0]}"]')) >= 2
    related = doc.xpath('//div[contains(@class, "tdb_single_related")]//h3/a/@href')
    assert related and publisher.base_url + replica_site.article_path(article) not in related


def test_utf8_text_survives(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    doc, _ = _page(publisher, 0)
    content = doc.xpath('string(//div[contains(@class, "tdb_single_content")])')
    assert "«ما میخواهیم درس بخوانیم»" in content
    assert replica_site.articles[0].title == doc.xpath('string(//h1[@class="tdb-title-text"])')


def test_trafilatura_extracts_the_article_text(publisher: ReplicaPublisher, replica_site: ReplicaSite) -> None:
    """Sanity, not a score: every paragraph comes out, and none of the boilerplate does."""
    for index, record in enumerate(replica_site.expected_records(publisher.base_url)):
        _, html = _page(publisher, index)
        extracted = trafilatura.extract(html, url=record["url"]) or ""
        for paragraph in record["body"].split("\n"):
            assert paragraph in extracted
        for phrase in [*BOILERPLATE, replica_site.date_bar()]:
            assert phrase not in extracted
