"""Front-page links: ranks in document order and the box each link sat in, from realistic front-page markup."""

from __future__ import annotations

from datetime import UTC, datetime

from parsel import Selector
from scrapy.http import HtmlResponse, Request, TextResponse

from crawler.config.schema import SourceConfig
from crawler.discovery import links
from crawler.discovery.frontpage import MAX_LINKS, FrontPage, article_links, front_page_items, read_front_page
from replica import ReplicaSite, render_home

SITE = "https://news.example/"
WHEN = datetime(2024, 7, 13, 6, 0, tzinfo=UTC)

PAGE = """<!doctype html><html><head><base href="https://news.example/"></head><body>
<nav aria-label="Main menu"><a href="/">Home</a><a href="/category/world/">World</a></nav>
<main>
  <section id="top-stories">
    <article class="story lead"><a href="/floods-hit-northern-provinces-54360002/"><img alt="Flooded street"></a>
      <h2><a href="/floods-hit-northern-provinces-54360002/">Floods hit northern provinces</a></h2></article>
    <article class="story"><h3><a href="/talks-resume-in-doha-over-prisoner-exchange-54360001/#comments">
      Talks   resume in Doha</a></h3></article>
  </section>
  <div class="column"><div class="td_block_wrap td_flex_block_1 tdi_48">
    <div class="td-block-title-wrap"><h4 class="td-block-title"><a href="/category/business/">Business</a></h4></div>
    <div class="td_block_inner"><div class="td_module_flex"><h3 class="entry-title">
      <a href="/2024/07/12/markets/">Markets rally</a></h3></div></div>
  </div></div>
  <div class="td_block_wrap td_block_trending_now"><div class="td_module_trending_now">
    <h3 class="entry-title"><a href="/girls-schools-reopen-in-herat-54360010/">Girls' schools reopen</a></h3>
  </div></div>
  <section aria-labelledby="opinion-title"><span id="opinion-title">Opinion &amp; analysis</span>
    <ul><li><a href="/why-the-ceasefire-matters-now-54360011/">Why the ceasefire matters</a></li></ul></section>
</main>
<aside class="sidebar"><div class="widget"><h3 class="widget-title">Most read</h3>
  <ol><li><a href="/talks-resume-in-doha-over-prisoner-exchange-54360001/">Talks resume</a></li>
      <li><a href="/quake-shakes-badakhshan-54360012/">Quake shakes Badakhshan</a></li></ol></div></aside>
<div class="footer-links"><a href="/unboxed-report-from-kandahar-54360013/">Unboxed report</a>
  <h3>Contact</h3></div>
<a href="https://elsewhere.example/some-long-article-slug-here-1234567/">Elsewhere</a>
<a href="/about-us/">About</a>
</body></html>"""


def is_article(url: str) -> bool:
    return links.is_article_link(url, SITE, ("news.example",), None)


def test_ranks_follow_document_order_one_per_url_with_headline_and_box() -> None:
    found = article_links(Selector(text=PAGE), SITE, is_article)

    assert [(link.rank, link.url.removeprefix(SITE), link.text, link.box) for link in found] == [
        (1, "floods-hit-northern-provinces-54360002/", "Flooded street", "top-stories"),
        (2, "talks-resume-in-doha-over-prisoner-exchange-54360001/", "Talks resume in Doha", "top-stories"),
        (3, "2024/07/12/markets/", "Markets rally", "Business"),
        (4, "girls-schools-reopen-in-herat-54360010/", "Girls' schools reopen", "td_block_trending_now"),
        (5, "why-the-ceasefire-matters-now-54360011/", "Why the ceasefire matters", "Opinion & analysis"),
        (6, "quake-shakes-badakhshan-54360012/", "Quake shakes Badakhshan", "Most read"),
        (7, "unboxed-report-from-kandahar-54360013/", "Unboxed report", None),
    ]
    assert found[1].other_boxes == ("Most read",)
    assert found[0].other_boxes == ()


def test_an_image_link_takes_the_headline_of_a_later_link_only_without_alt_or_title() -> None:
    page = (
        '<div aria-label="Lead"><a href="/a-long-story-about-floods-1234567/"><img src="x.jpg"></a>'
        '<h2><a href="/a-long-story-about-floods-1234567/">The headline</a></h2></div>'
    )
    [link] = article_links(Selector(text=page), SITE, is_article)
    assert (link.rank, link.text, link.box, link.other_boxes) == (1, "The headline", "Lead", ())


def test_the_replica_home_page_has_its_boxes() -> None:
    site = ReplicaSite()
    base = "http://127.0.0.1:8000"
    page = read_front_page(_response(render_home(site, base, 1), base + "/"), _source(), "<urn:uuid:1>", WHEN)

    assert page is not None
    urls = [base + site.article_path(article) for article in site.articles[:10]]
    assert [link.url for link in page.links] == [*urls, base + "/removed-story-10000001/"]
    boxes = {link.url: (link.box, set(link.other_boxes)) for link in page.links}
    assert boxes[urls[0]] == ("td_block_trending_now", {"Top story", "Latest", "Afghanistan", "Latest news"})
    assert {boxes[url][0] for url in urls[3:]} == {"Latest"}
    assert sum("Most read" in others for _, others in boxes.values()) == 5
    assert boxes[base + "/removed-story-10000001/"] == ("More", set())
    assert page.links[0].text == site.articles[0].title


def test_the_digest_changes_with_order_text_or_box_and_not_otherwise() -> None:
    site = ReplicaSite()
    base = "http://127.0.0.1:8000"

    def digest() -> bytes:
        page = read_front_page(_response(render_home(site, base, 1), base + "/"), _source(), None, WHEN)
        return page.digest

    first = digest()
    assert digest() == first
    site.update_article(4, title="A corrected headline on the front page")
    edited = digest()
    assert edited != first
    site.add_article("A new story on the front page today")
    assert digest() not in (first, edited)


def test_only_requests_flagged_front_page_yield_one() -> None:
    html = render_home(ReplicaSite(), "http://127.0.0.1:8000", 1)
    flagged = _response(html, "http://127.0.0.1:8000/", front_page=True, warc_record_id="<urn:uuid:7>")
    [page] = front_page_items(flagged, _source(), WHEN)
    assert isinstance(page, FrontPage) and page.record_id == "<urn:uuid:7>" and page.captured_at == WHEN
    assert front_page_items(_response(html, "http://127.0.0.1:8000/"), _source(), WHEN) == []


def test_not_html_and_link_farms_are_bounded() -> None:
    text = TextResponse("https://news.example/", body=b"plain", request=Request("https://news.example/"))
    assert read_front_page(text, _source(), None, WHEN) is not None  # text, but no links
    plain = HtmlResponse("https://news.example/", body=b"", status=500, request=Request("https://news.example/"))
    assert read_front_page(plain, _source(), None, WHEN) is None
    farm = "".join(f'<a href="/story-number-{n}-1234567/">{n}</a>' for n in range(MAX_LINKS + 5))
    assert len(article_links(Selector(text=farm), SITE, is_article)) == MAX_LINKS


def _source() -> SourceConfig:
    return SourceConfig(name="replica", allowed_domains=("127.0.0.1", "news.example"))


def _response(html: str, url: str, **meta: object) -> HtmlResponse:
    request = Request(url, meta=meta)
    return HtmlResponse(url, body=html.encode("utf-8"), encoding="utf-8", request=request)
