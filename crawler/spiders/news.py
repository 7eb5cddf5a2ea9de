"""The generic news spider: discovery from feeds, sitemaps, the WordPress API and section pages, then articles."""

from __future__ import annotations

import gzip
import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler import statkeys
from crawler.config import load_config
from crawler.config.schema import SourceConfig
from crawler.discovery import feeds, frontpage, links, sitemaps, wpapi
from crawler.discovery.entries import Discovered, as_utc
from crawler.discovery.links import url_key
from crawler.items import NotModifiedItem
from crawler.render.renderer import PageRenderer
from crawler.spiders.absences import AbsencePolicy
from crawler.spiders.extraction import ArticleExtraction, Items
from crawler.spiders.failures import record_failure
from crawler.spiders.incremental import recheck_headers
from crawler.spiders.requests import Callback, RequestMaker
from crawler.spiders.requisites import RequisiteCallbacks
from crawler.spiders.responses import seen_at, truncated
from crawler.spiders.scope import OUTSIDE_SCOPE, SourceScope
from crawler.storage.absences import Absence
from crawler.storage.recheck import Recheck

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.spiders.wayback import WaybackImport

log = logging.getLogger(__name__)

GONE_STATUSES = frozenset({404, 410})


class NewsSpider(RequisiteCallbacks, scrapy.Spider):
    """Finds a source's articles through every configured input, skips the ones already archived, extracts the rest.

    Where a run differs from another (a normal run, a back-fill batch) its ``scope`` decides (see
    ``crawler.spiders.scope``); site spiders differ by class attributes only. Page requisites' callbacks come from
    ``RequisiteCallbacks`` (the frontier stores callbacks by name, so they are spider methods).
    """

    name = "news"
    force_wp_api = False
    """Site spiders of WordPress publishers list posts through the REST API even when the source does not say so."""
    max_sitemap_depth = 3
    max_listing_depth = 2

    def __init__(
        self,
        source: SourceConfig | str,
        known: Mapping[str, datetime] | None = None,
        extract_mode: str = "default",
        since: datetime | None = None,
        rechecks: Sequence[Recheck] = (),
        absences: Sequence[Absence] = (),
        scope: SourceScope | None = None,
        **kwargs: Any,
    ) -> None:
        """``since``: when the last successful run started; by default the newest capture among ``known``.
        ``rechecks``: stored articles due to be fetched again (whether or not a listing names them).
        ``absences``: discovered URLs remembered as missing (see ``crawler.spiders.absences``).
        ``scope``: what the run walks (default: a normal run's :class:`SourceScope`)."""
        super().__init__(**kwargs)
        if isinstance(source, str):  # `scrapy crawl news -a source=NAME`: the source from newsarchive.toml
            source = load_config().source(source)
        self.source = source
        self.scope = scope or SourceScope()
        known_keys = {url_key(url): as_utc(captured) for url, captured in (known or {}).items()}
        since = as_utc(since) if since else max(known_keys.values(), default=None)
        self.incremental = self.scope.incremental_policy(known_keys, since, source.revisit_window, self.inc)
        self.rechecks = list(rechecks) if self.scope.rechecks else []
        self.absences = AbsencePolicy(absences)
        entry_points = (*source.start_urls, *source.feeds, *source.sitemaps)
        self.requests = RequestMaker(source.name, entry_points, self.incremental, self.absences, self.on_error,
                                     self.inc)  # fmt: skip
        self.extract_mode = extract_mode
        self.wp_api = source.wp_api or self.force_wp_api
        self.article_pattern = links.compile_pattern(source.article_url_pattern)
        self._requested: set[str] = set()
        self._sitemaps_seen: set[str] = set()
        self._articles_requested = 0
        self.extraction: ArticleExtraction | None = None
        self.renderer: PageRenderer | None = None
        # Scrapy's OffsiteMiddleware then refuses redirects that leave the source (an article moved to another
        # site is not this source's article); the hosts of configured URLs stay allowed.
        self.allowed_domains = self._offsite_allowed()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        """Extraction as ``crawler.spiders.extraction.ArticleExtraction`` sets it up; the page renderer."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.extraction = ArticleExtraction.from_crawler(crawler, spider.source.name, spider.extract_mode)
        spider.extract_mode = spider.extraction.mode
        spider.renderer = PageRenderer.from_crawler(crawler, spider.source)
        crawler.signals.connect(spider.absence_answered, signal=signals.response_received)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        for request in self.scope.first_requests(self):
            yield request

    def sites(self) -> list[str]:
        """``scheme://host/`` of the start pages (else of feeds and sitemaps on the source's own domains)."""
        urls = list(self.source.start_urls) or [
            url for url in (*self.source.feeds, *self.source.sitemaps) if links.host_allowed(url, self.domains())
        ]
        roots = {f"{parts.scheme}://{parts.netloc}/": None for parts in map(urlsplit, urls) if parts.netloc}
        return list(roots)

    # --- the first requests (a scope picks among them) -----------------------------------------------------------

    def robots_request(self, site: str) -> Request:
        """``site``'s robots.txt, read for its ``Sitemap:`` lines."""
        return self.request(site + "robots.txt", "robots", self.parse_robots, dont_obey_robotstxt=True,
                            handle_httpstatus_list=[401, 403, 404, 410])  # fmt: skip

    def feed_requests(self) -> Iterator[Request]:
        for url in self.source.feeds:
            yield self.request(url, "feed", self.parse_feed, feed_url=url, feed_page=1)

    def sitemap_requests(self) -> Iterator[Request]:
        for url in self.source.sitemaps:
            if request := self.sitemap_request(url, depth=0):
                yield request

    def listing_requests(self) -> Iterator[Request]:
        for url in self.source.start_urls:
            yield self.request(url, "listing", self.parse_listing, listing_depth=0, front_page=True)

    def recheck_requests(self) -> Iterator[Request]:
        for due in self.rechecks:
            if request := self._recheck_request(due):
                yield request

    # --- discovery callbacks -----------------------------------------------------------------------------------

    def parse_robots(self, response: Response) -> list[Request]:
        if response.status != 200:
            self.inc(statkeys.ABSENT + "robots")
            return self._fallback_sitemaps(response.url)
        found = sitemaps.sitemap_urls_from_robots(response.body, response.url)
        self.inc("newsarchive/discovery/robots", len(found))
        if not found:
            return self._fallback_sitemaps(response.url)
        return [request for url in found if (request := self.sitemap_request(url, depth=0))]

    def parse_feed(self, response: Response) -> Iterator[Request]:
        if self._not_modified(response):
            return
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        feed = feeds.parse_feed(response.body, response.url, content_type or None)
        if not feed.entries:
            self.inc("newsarchive/spider/empty_feed")
        # Judged before this page's entries are requested: a page that repeats what this run already saw (a server
        # ignoring ``?paged``) ends the pagination.
        unseen = not any(url_key(entry.url) in self._requested for entry in feed.entries)
        yield from self.articles(feed.entries, "feed")
        if unseen and self._feed_has_more(feed, response.meta["feed_page"]):
            page = response.meta["feed_page"] + 1
            url = feeds.feed_page_url(response.meta["feed_url"], page)
            request = self.requests.discovered(url, "feed", self.parse_feed, feed_url=response.meta["feed_url"],
                                               feed_page=page)  # fmt: skip
            if request:
                yield request

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        if self._not_modified(response):
            return
        try:
            sitemap = sitemaps.parse_sitemap(response.body)
        except (gzip.BadGzipFile, sitemaps.SitemapTooLarge) as e:
            self.inc("newsarchive/spider/bad_sitemap")
            log.warning("Unreadable sitemap %s: %s", response.url, e)
            return
        if sitemap.kind == "urlset":
            yield from self.articles(sitemap.entries, "sitemap")
        elif sitemap.kind == "sitemapindex":
            yield from self._sub_sitemaps(sitemap.entries, response.meta.get("sitemap_depth", 0) + 1)
        else:
            # A fallback location answering 200 with a page of HTML (a soft 404): the site has no sitemap there.
            optional = bool(response.meta.get("optional_statuses"))
            self.inc(statkeys.ABSENT + "sitemap" if optional else "newsarchive/spider/not_sitemap")
            self._missing(response)

    def parse_api(self, response: Response) -> Iterator[Request]:
        try:
            posts = wpapi.parse_posts(response.body)
        except wpapi.NotAPostListing:
            self.inc(statkeys.ABSENT + "api")
            self._missing(response)
            log.info("No WordPress post listing at %s", response.url)
            return
        yield from self.articles(posts, "api")
        if response.meta["api_page"] == 1:
            last = min(wpapi.total_pages(response.headers.to_unicode_dict()), self.scope.max_api_pages)
            for page in range(2, last + 1):
                if not self.cap_reached() and (request := self.api_request(response.meta["api_site"], page)):
                    yield request

    def parse_listing(self, response: Response) -> Iterator[Request | frontpage.FrontPage]:
        if self.renderer:
            self.renderer.offer(response)
        if not isinstance(response, TextResponse):
            return
        if pages := frontpage.front_page_items(response, self.source, seen_at(response)):
            self.inc(statkeys.FRONT_PAGES, len(pages))
            yield from pages
        urls = [url for url in links.page_links(response.selector, response.url) if self._on_site(url, response)]
        yield from self.articles((Discovered(url) for url in urls), "listing")
        depth = response.meta.get("listing_depth", 0)
        if depth < self.max_listing_depth and not self.cap_reached():
            for url in links.pagination_links(response.selector, response.url):
                request = self.requests.discovered(url, "listing", self.parse_listing, listing_depth=depth + 1)
                if request:
                    yield request

    def parse_cdx(self, response: Response) -> Iterator[Request]:
        """A Wayback Machine's list of captures (a back-fill's import phase: ``crawler.spiders.wayback``)."""
        return self._wayback().parse_cdx(self, response)

    # --- articles ------------------------------------------------------------------------------------------------

    def parse_article(self, response: Response) -> Items | list[NotModifiedItem]:
        """The page's article as an item: extracted here, or in a worker process (a coroutine Scrapy awaits)."""
        if self.renderer:
            self.renderer.offer(response)
        if self._not_modified(response):
            # A re-check answered "unchanged": archived as the 304 it is, nothing to extract.
            return [NotModifiedItem(response.meta["recheck_url"], self.source.name, seen_at(response))]
        if truncated(response):
            # Half a page would be stored as a new (wrong) version; the WARC keeps it marked WARC-Truncated, and
            # the article, still unknown, is fetched again by the next run.
            self.inc("newsarchive/spider/truncated_article")
            log.warning("Not extracted (body truncated): %s", response.url)
            return []
        return self.article_items(response, seen_at=seen_at(response))

    def parse_imported(self, response: Response) -> Items:
        """A page from a Wayback Machine, extracted as the publisher's page it is (``crawler.spiders.wayback``)."""
        return self._wayback().parse_imported(self, response)

    def on_error(self, failure: Failure) -> list[Request]:
        """Count a failed request by page kind and cause; the publisher's own "not here" is not a failure."""
        request = failure.request
        kind = request.meta.get("page_kind", "unknown")
        if failure.check(HttpError):
            if self._publisher_state(request, kind, failure.value.response.status):
                return []
        elif failure.check(IgnoreRequest):
            self.inc(f"newsarchive/spider/ignored/{kind}")
            return []
        record_failure(self.crawler.stats, request, kind, failure)
        # A site whose robots.txt fails may still have its sitemaps at the usual WordPress/Yoast places.
        return self._fallback_sitemaps(request.url) if kind == "robots" else []

    def absence_answered(self, response: Response, request: Request, spider: scrapy.Spider | None = None) -> None:
        """``response_received``: what a URL under the absence policy answered (redirects followed, retries done)."""
        key = request.meta.get("absence_key")
        if key is not None:
            absent = response.status in request.meta.get("optional_statuses", ())
            self.absences.answered(key, response.status, absent=absent)

    # --- extension points: what scopes and importers build on --------------------------------------------------

    def request(self, url: str, kind: str, callback: Callback, **options: Any) -> Request:
        """A request of this run (see :meth:`crawler.spiders.requests.RequestMaker.request`)."""
        return self.requests.request(url, kind, callback, **options)

    def article_items(
        self, response: Response, *, seen_at: datetime, page_url: str | None = None, imported_from: str | None = None
    ) -> Items:
        """The one extraction path of the crawl (``crawler.spiders.extraction``): the response's article as items."""
        return self._extraction().items(response, seen_at=seen_at, page_url=page_url, imported_from=imported_from)

    def articles(self, entries: Iterable[Discovered], kind: str) -> Iterator[Request]:
        """Requests for the articles a listing of ``kind`` names, as far as the scope and the cap allow."""
        for entry in entries:
            self.inc(f"newsarchive/discovery/{kind}")
            if not self.scope.holds(entry):
                self.inc(OUTSIDE_SCOPE)
            elif request := self._article_request(entry, trusted=kind != "listing"):
                yield request

    def api_request(self, site: str, page: int) -> Request | None:
        """A page of the WordPress API's posts; the first one is a probe, remembered while the site has no API."""
        after, before = self.scope.api_bounds(self.incremental)
        url = wpapi.posts_url(site, page, after, before)
        missing = wpapi.MISSING_STATUSES
        if page > 1:
            return self.request(url, "api", self.parse_api, optional=missing, api_site=site, api_page=page)
        key = url_key(urljoin(site, wpapi.POSTS_PATH))  # one memory for the endpoint, whatever the run's ``after``
        return self.requests.discovered(url, "api", self.parse_api, key=key, optional=missing, api_site=site,
                                        api_page=page)  # fmt: skip

    def sitemap_request(self, url: str, depth: int) -> Request | None:
        """A sitemap (``depth``: how many indexes lead to it), unless fetched already in this run."""
        if self.cap_reached() or not links.is_web_url(url):
            return None
        key = url_key(url)
        if key in self._sitemaps_seen:
            # An index naming itself or an ancestor: fetching it again would loop.
            self.inc("newsarchive/spider/sitemap_loop")
            return None
        request = self.requests.discovered(url, "sitemap", self.parse_sitemap, sitemap_depth=depth)
        if request is not None:
            self._sitemaps_seen.add(key)
        return request

    def requested(self, key: str) -> bool:
        """Whether an article of this compared-form URL was requested in this run."""
        return key in self._requested

    def claim_article(self, key: str) -> bool:
        """Count ``key`` as one of this run's article requests, unless the article cap is reached (then flagged)."""
        if self.cap_reached():
            self.crawler.stats.set_value(statkeys.MAX_ARTICLES_REACHED, 1)
            return False
        self._requested.add(key)
        self._articles_requested += 1
        return True

    def cap_reached(self) -> bool:
        return self.scope.cap_reached(self.source.max_articles, self._articles_requested)

    def domains(self) -> tuple[str, ...]:
        return self.source.allowed_domains

    def inc(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(key, count)

    # --- helpers -------------------------------------------------------------------------------------------------

    def _article_request(self, entry: Discovered, trusted: bool) -> Request | None:
        """A request for a discovered article, unless seen this run, off-site, already archived, or over the cap."""
        key = url_key(entry.url)
        if key in self._requested:
            return None
        # Feeds, sitemaps and the API list what the publisher calls content; only machinery paths are dropped.
        if not links.host_allowed(entry.url, self.domains()) or (trusted and links.is_excluded_path(entry.url)):
            self.inc("newsarchive/spider/filtered")
            return None
        if not self.incremental.due(key, entry):
            self.inc("newsarchive/spider/skipped_known")
            return None
        if not self.claim_article(key):
            return None
        self.inc("newsarchive/spider/articles_requested")
        return self.request(entry.url, "article", self.parse_article, priority=0)

    def _recheck_request(self, due: Recheck) -> Request | None:
        """A stored article fetched again on its schedule, asking "changed since?" with its validators."""
        key = url_key(due.url)
        if key in self._requested or not links.host_allowed(due.url, self.domains()):
            return None
        self._requested.add(key)
        self.inc("newsarchive/spider/rechecks_requested")
        request = self.request(due.url, "article", self.parse_article, priority=0, recheck_url=due.url)
        request.meta["handle_httpstatus_list"] = [304]
        for name, value in recheck_headers(due).items():
            request.headers[name] = value
        return request

    def _feed_has_more(self, feed: feeds.Feed, page: int) -> bool:
        """Whether to read the next page of a WordPress feed (``?paged=N``): the scope says how far back."""
        if not feed.entries or self.cap_reached():
            return False
        if not (feed.is_wordpress or self.wp_api):
            return False  # only WordPress feeds are known to page
        return self.scope.feed_continues(feed, page, self.incremental)

    def _sub_sitemaps(self, entries: Iterable[Discovered], depth: int) -> Iterator[Request]:
        for entry in entries:
            self.inc("newsarchive/discovery/sitemap_index")
            if depth > self.max_sitemap_depth:
                self.inc("newsarchive/spider/sitemap_too_deep")
            elif not sitemaps.lists_articles(entry.url):
                self.inc("newsarchive/spider/sitemap_skipped")
            elif self.incremental.unchanged(entry):
                # Large sites keep hundreds of sub-sitemaps: only those changed since the last run are refetched.
                self.inc("newsarchive/spider/sitemap_unchanged")
            elif request := self.sitemap_request(entry.url, depth):
                yield request

    def _publisher_state(self, request: Request, kind: str, status: int) -> bool:
        """A 404/410 of a discovered URL or of a listed article, or a missing optional endpoint: counted, archived."""
        if status in request.meta.get("optional_statuses", ()):
            self.inc(statkeys.ABSENT + kind)
            log.debug("%s %s answered %d: not on the site", kind, request.url, status)
            return True
        if kind == "article" and status in GONE_STATUSES:
            # A dead link on the publisher's site is a fact about the site (archived as such), not our failure.
            self.inc(statkeys.ARTICLE_GONE)
            log.info("article %s answered %d", request.url, status)
            return True
        return False

    def _missing(self, response: Response) -> None:
        """A 200 that is not what was asked (a theme's page instead of a sitemap or the API): absent all the same."""
        if key := response.meta.get("absence_key"):
            self.absences.missed(key, response.status)

    def _on_site(self, url: str, response: Response) -> bool:
        """An article link of a section page (the same test as the front-page history's)."""
        return links.is_article_link(url, response.url, self.domains(), self.article_pattern)

    def _fallback_sitemaps(self, robots_url: str) -> list[Request]:
        """WordPress core's and Yoast's sitemap indexes (404 expected), unless the source names a sitemap there."""
        if any(links.same_site(sitemap, robots_url) for sitemap in self.source.sitemaps):
            return []
        urls = sitemaps.fallback_sitemap_urls(robots_url)
        return [request for url in urls if (request := self.sitemap_request(url, depth=0))]

    def _offsite_allowed(self) -> list[str]:
        """``allowed_domains`` plus the hosts of the configured URLs (and the scope's); empty (everything allowed)
        without domains."""
        if not self.source.allowed_domains:
            return []
        configured = (*self.source.start_urls, *self.source.feeds, *self.source.sitemaps, *self.scope.extra_urls())
        hosts = {(urlsplit(url).hostname or "").lower() for url in configured}
        return sorted({*(domain.lower() for domain in self.source.allowed_domains), *hosts} - {""})

    def _not_modified(self, response: Response) -> bool:
        if response.status != 304:
            return False
        self.inc(f"newsarchive/spider/not_modified/{response.meta['page_kind']}")
        return True

    def _extraction(self) -> ArticleExtraction:
        if self.extraction is None:  # a spider built without a crawler (Spider() rather than from_crawler)
            self.extraction = ArticleExtraction.from_crawler(self.crawler, self.source.name, self.extract_mode)
        return self.extraction

    def _wayback(self) -> WaybackImport:
        wayback = self.scope.wayback
        if wayback is None:
            raise RuntimeError("a Wayback Machine answer in a run that imports none")
        return wayback
