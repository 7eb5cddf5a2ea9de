"""The generic news spider: discovery from feeds, sitemaps, the WordPress API and section pages, then articles."""

from __future__ import annotations

import gzip
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure
from w3lib.url import canonicalize_url

from crawler import extract, statkeys
from crawler import settings as defaults
from crawler.config import load_config
from crawler.config.schema import SourceConfig
from crawler.discovery import feeds, frontpage, links, sitemaps, wpapi
from crawler.discovery.entries import Discovered, as_utc, parse_datetime
from crawler.errors import NotAnArticle
from crawler.extract.article import Article
from crawler.items import ArticleItem, NotModifiedItem
from crawler.render.renderer import PageRenderer
from crawler.spiders.absences import AbsencePolicy
from crawler.spiders.failures import record_failure
from crawler.spiders.incremental import IncrementalPolicy, recheck_headers
from crawler.spiders.requisites import RequisiteCallbacks
from crawler.storage.absences import Absence
from crawler.storage.recheck import Recheck
from crawler.workers import ExtractionPool, WorkerFailed

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

DISCOVERY_PRIORITY = 10
"""Listings before articles, so every listing's dates are seen before the frontier fills with articles."""
OPTIONAL_MISSING = (404, 410)
GONE_STATUSES = frozenset({404, 410})


class NewsSpider(RequisiteCallbacks, scrapy.Spider):
    """Finds a source's articles through every configured input, skips the ones already archived, extracts the rest."""

    name = "news"
    force_wp_api = False
    """Site spiders of WordPress publishers list posts through the REST API even when the source does not say so."""
    max_feed_pages = 10
    max_api_pages = 50
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
        **kwargs: Any,
    ) -> None:
        """``since``: when the last successful run started; by default the newest capture among ``known``.
        ``rechecks``: stored articles due to be fetched again (whether or not a listing names them).
        ``absences``: discovered URLs remembered as missing (see ``crawler.spiders.absences``)."""
        super().__init__(**kwargs)
        if isinstance(source, str):  # `scrapy crawl news -a source=NAME`: the source from newsarchive.toml
            source = load_config().source(source)
        self.source = source
        known_keys = {_key(url): as_utc(captured) for url, captured in (known or {}).items()}
        since = as_utc(since) if since else max(known_keys.values(), default=None)
        self.incremental = IncrementalPolicy(known_keys, since, source.revisit_window)
        self.rechecks = list(rechecks)
        self.absences = AbsencePolicy(absences)
        self._entry_points = {_key(url) for url in (*source.start_urls, *source.feeds, *source.sitemaps)}
        self.extract_mode = extract_mode
        self.wp_api = source.wp_api or self.force_wp_api
        self.article_pattern = links.compile_pattern(source.article_url_pattern)
        self._requested: set[str] = set()
        self._sitemaps_seen: set[str] = set()
        self._articles_requested = 0
        self.extract_enabled = True
        self.extraction_pool: ExtractionPool | None = None
        self.renderer: PageRenderer | None = None
        # Scrapy's OffsiteMiddleware then refuses redirects that leave the source (an article moved to another
        # site is not this source's article); the hosts of configured URLs stay allowed.
        self.allowed_domains = self._offsite_allowed()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        """Extraction settings: ``NEWSARCHIVE_EXTRACT_MODE`` (overrides ``extract_mode``),
        ``NEWSARCHIVE_EXTRACT_ENABLED`` (False: articles archived only, extracted later by a replay),
        ``NEWSARCHIVE_EXTRACT_WORKERS`` (worker processes; 0: on the reactor thread; see ``crawler.workers``)."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.extract_mode = settings.get("NEWSARCHIVE_EXTRACT_MODE") or spider.extract_mode
        spider.extract_enabled = settings.getbool("NEWSARCHIVE_EXTRACT_ENABLED", defaults.NEWSARCHIVE_EXTRACT_ENABLED)
        if spider.extract_enabled:
            spider.extraction_pool = ExtractionPool.from_crawler(crawler, spider.extract_mode)
        spider.renderer = PageRenderer.from_crawler(crawler, spider.source)
        crawler.signals.connect(spider.absence_answered, signal=signals.response_received)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        for request in self.discovery_requests():
            yield request

    def discovery_requests(self) -> Iterator[Request]:
        """The first requests of a run: robots.txt (for its sitemaps), the API, feeds, sitemaps, section pages."""
        for site in self.sites():
            yield self._request(site + "robots.txt", "robots", self.parse_robots, dont_obey_robotstxt=True,
                                handle_httpstatus_list=[401, 403, 404, 410])  # fmt: skip
            if self.wp_api and (request := self._api_request(site, 1)):
                yield request
        for url in self.source.feeds:
            yield self._request(url, "feed", self.parse_feed, feed_url=url, feed_page=1)
        for url in self.source.sitemaps:
            if request := self._sitemap_request(url, depth=0):
                yield request
        for url in self.source.start_urls:
            yield self._request(url, "listing", self.parse_listing, listing_depth=0, front_page=True)
        for due in self.rechecks:
            if request := self._recheck_request(due):
                yield request

    def sites(self) -> list[str]:
        """``scheme://host/`` of the start pages (else of feeds and sitemaps on the source's own domains)."""
        urls = list(self.source.start_urls) or [
            url for url in (*self.source.feeds, *self.source.sitemaps) if links.host_allowed(url, self._domains())
        ]
        roots = {f"{parts.scheme}://{parts.netloc}/": None for parts in map(urlsplit, urls) if parts.netloc}
        return list(roots)

    # --- discovery callbacks -----------------------------------------------------------------------------------

    def parse_robots(self, response: Response) -> list[Request]:
        if response.status != 200:
            self._inc(statkeys.ABSENT + "robots")
            return self._fallback_sitemaps(response.url)
        found = sitemaps.sitemap_urls_from_robots(response.body, response.url)
        self._inc("newsarchive/discovery/robots", len(found))
        if not found:
            return self._fallback_sitemaps(response.url)
        return [request for url in found if (request := self._sitemap_request(url, depth=0))]

    def parse_feed(self, response: Response) -> Iterator[Request]:
        if self._not_modified(response):
            return
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        feed = feeds.parse_feed(response.body, response.url, content_type or None)
        if not feed.entries:
            self._inc("newsarchive/spider/empty_feed")
        # Judged before this page's entries are requested: a page that repeats what this run already saw (a server
        # ignoring ``?paged``) ends the pagination.
        unseen = not any(_key(entry.url) in self._requested for entry in feed.entries)
        yield from self._articles(feed.entries, "feed")
        if unseen and self._feed_has_more(feed, response.meta["feed_page"]):
            page = response.meta["feed_page"] + 1
            url = feeds.feed_page_url(response.meta["feed_url"], page)
            request = self._discovered_request(url, "feed", self.parse_feed, feed_url=response.meta["feed_url"],
                                               feed_page=page)  # fmt: skip
            if request:
                yield request

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        if self._not_modified(response):
            return
        try:
            sitemap = sitemaps.parse_sitemap(response.body)
        except (gzip.BadGzipFile, sitemaps.SitemapTooLarge) as e:
            self._inc("newsarchive/spider/bad_sitemap")
            log.warning("Unreadable sitemap %s: %s", response.url, e)
            return
        if sitemap.kind == "urlset":
            yield from self._articles(sitemap.entries, "sitemap")
        elif sitemap.kind == "sitemapindex":
            yield from self._sub_sitemaps(sitemap.entries, response.meta.get("sitemap_depth", 0) + 1)
        else:
            # A fallback location answering 200 with a page of HTML (a soft 404): the site has no sitemap there.
            optional = bool(response.meta.get("optional_statuses"))
            self._inc(statkeys.ABSENT + "sitemap" if optional else "newsarchive/spider/not_sitemap")
            self._missing(response)

    def parse_api(self, response: Response) -> Iterator[Request]:
        try:
            posts = wpapi.parse_posts(response.body)
        except wpapi.NotAPostListing:
            self._inc(statkeys.ABSENT + "api")
            self._missing(response)
            log.info("No WordPress post listing at %s", response.url)
            return
        yield from self._articles(posts, "api")
        if response.meta["api_page"] == 1:
            last = min(wpapi.total_pages(response.headers.to_unicode_dict()), self.max_api_pages)
            for page in range(2, last + 1):
                if not self._cap_reached():
                    yield self._api_request(response.meta["api_site"], page)

    def parse_listing(self, response: Response) -> Iterator[Request | frontpage.FrontPage]:
        if self.renderer:
            self.renderer.offer(response)
        if not isinstance(response, TextResponse):
            return
        if pages := frontpage.front_page_items(response, self.source, _seen_at(response)):
            self._inc(statkeys.FRONT_PAGES, len(pages))
            yield from pages
        urls = [url for url in links.page_links(response.selector, response.url) if self._on_site(url, response)]
        yield from self._articles((Discovered(url) for url in urls), "listing")
        depth = response.meta.get("listing_depth", 0)
        if depth < self.max_listing_depth and not self._cap_reached():
            for url in links.pagination_links(response.selector, response.url):
                if request := self._discovered_request(url, "listing", self.parse_listing, listing_depth=depth + 1):
                    yield request

    # --- articles ------------------------------------------------------------------------------------------------

    def parse_article(self, response: Response) -> list[Any] | Coroutine[Any, Any, list[ArticleItem]]:
        """The page's article as an item: extracted here, or in a worker process (a coroutine Scrapy awaits)."""
        if self.renderer:
            self.renderer.offer(response)
        if self._not_modified(response):
            # A re-check answered "unchanged": archived as the 304 it is, nothing to extract.
            return [NotModifiedItem(response.meta["recheck_url"], self.source.name, _seen_at(response))]
        if _truncated(response):
            # Half a page would be stored as a new (wrong) version; the WARC keeps it marked WARC-Truncated, and
            # the article, still unknown, is fetched again by the next run.
            self._inc("newsarchive/spider/truncated_article")
            log.warning("Not extracted (body truncated): %s", response.url)
            return []
        pool = self.extraction_pool
        if self.extract_enabled and pool is not None and isinstance(response, TextResponse) and pool.take():
            return self._parse_in_worker(response, pool)
        return self._article_items(response, self.extract(response))

    async def _parse_in_worker(self, response: TextResponse, pool: ExtractionPool) -> list[ArticleItem]:
        return self._article_items(response, await self.extract_in_worker(response, pool))

    def _article_items(self, response: Response, article: Article | None) -> list[ArticleItem]:
        if article is None:
            return []
        if article.charset_fallback:
            self._inc("newsarchive/extract/charset_fallback")
            log.info(
                "%s: declared charset contradicted by the bytes, read as %s", response.url, article.charset_fallback
            )
        item = ArticleItem(
            article=article,
            source=self.source.name,
            fetched_url=response.url,
            warc_record_id=response.meta.get("warc_record_id"),
            seen_at=_seen_at(response),
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
        )
        return [item]

    def extract(self, response: Response) -> Article | None:
        """The article of a page, or ``None`` (counted) when it holds none; the one place extraction is called."""
        if not self.extract_enabled:
            self._inc("newsarchive/spider/extraction_skipped")
            return None
        if not isinstance(response, TextResponse):
            self._inc("newsarchive/spider/not_article")
            return None
        headers = response.headers.to_unicode_dict()
        try:
            return extract.extract_article(response.body, response.url, headers, mode=self.extract_mode)
        except NotAnArticle:
            self._not_article(response)
            return None

    async def extract_in_worker(self, response: TextResponse, pool: ExtractionPool) -> Article | None:
        """:meth:`extract` in one of the crawl's worker processes: the same call, the same result."""
        headers = response.headers.to_unicode_dict()
        try:
            return await pool.extract(response.body, response.url, headers)
        except NotAnArticle:
            self._not_article(response)
        except WorkerFailed as error:
            self._inc("newsarchive/extract/worker_failed")
            log.error("%s; the page is archived, not extracted", error)
        return None

    def _not_article(self, response: Response) -> None:
        self._inc("newsarchive/spider/not_article")
        log.debug("Not an article: %s", response.url)

    def on_error(self, failure: Failure) -> list[Request]:
        """Count a failed request by page kind and cause; the publisher's own "not here" is not a failure."""
        request = failure.request
        kind = request.meta.get("page_kind", "unknown")
        if failure.check(HttpError):
            if self._publisher_state(request, kind, failure.value.response.status):
                return []
        elif failure.check(IgnoreRequest):
            self._inc(f"newsarchive/spider/ignored/{kind}")
            return []
        record_failure(self.crawler.stats, request, kind, failure)
        # A site whose robots.txt fails may still have its sitemaps at the usual WordPress/Yoast places.
        return self._fallback_sitemaps(request.url) if kind == "robots" else []

    def _publisher_state(self, request: Request, kind: str, status: int) -> bool:
        """A 404/410 of a discovered URL or of a listed article, or a missing optional endpoint: counted, archived."""
        if status in request.meta.get("optional_statuses", ()):
            self._inc(statkeys.ABSENT + kind)
            log.debug("%s %s answered %d: not on the site", kind, request.url, status)
            return True
        if kind == "article" and status in GONE_STATUSES:
            # A dead link on the publisher's site is a fact about the site (archived as such), not our failure.
            self._inc(statkeys.ARTICLE_GONE)
            log.info("article %s answered %d", request.url, status)
            return True
        return False

    def absence_answered(self, response: Response, request: Request, spider: scrapy.Spider | None = None) -> None:
        """``response_received``: what a URL under the absence policy answered (redirects followed, retries done)."""
        key = request.meta.get("absence_key")
        if key is not None:
            absent = response.status in request.meta.get("optional_statuses", ())
            self.absences.answered(key, response.status, absent=absent)

    # --- helpers -------------------------------------------------------------------------------------------------

    def _articles(self, entries: Iterable[Discovered], kind: str) -> Iterator[Request]:
        for entry in entries:
            self._inc(f"newsarchive/discovery/{kind}")
            if request := self._article_request(entry, trusted=kind != "listing"):
                yield request

    def _article_request(self, entry: Discovered, trusted: bool) -> Request | None:
        """A request for a discovered article, unless seen this run, off-site, already archived, or over the cap."""
        key = _key(entry.url)
        if key in self._requested:
            return None
        # Feeds, sitemaps and the API list what the publisher calls content; only machinery paths are dropped.
        if not links.host_allowed(entry.url, self._domains()) or (trusted and links.is_excluded_path(entry.url)):
            self._inc("newsarchive/spider/filtered")
            return None
        if not self.incremental.due(key, entry):
            self._inc("newsarchive/spider/skipped_known")
            return None
        if not self._claim_article(key):
            return None
        self._inc("newsarchive/spider/articles_requested")
        return self._request(entry.url, "article", self.parse_article, priority=0)

    def _claim_article(self, key: str) -> bool:
        """Count ``key`` as one of this run's article requests, unless the article cap is reached (then flagged)."""
        if self._cap_reached():
            self.crawler.stats.set_value(statkeys.MAX_ARTICLES_REACHED, 1)
            return False
        self._requested.add(key)
        self._articles_requested += 1
        return True

    def _recheck_request(self, due: Recheck) -> Request | None:
        """A stored article fetched again on its schedule, asking "changed since?" with its validators."""
        key = _key(due.url)
        if key in self._requested or not links.host_allowed(due.url, self._domains()):
            return None
        self._requested.add(key)
        self._inc("newsarchive/spider/rechecks_requested")
        request = self._request(due.url, "article", self.parse_article, priority=0, recheck_url=due.url)
        request.meta["handle_httpstatus_list"] = [304]
        for name, value in recheck_headers(due).items():
            request.headers[name] = value
        return request

    def _feed_has_more(self, feed: feeds.Feed, page: int) -> bool:
        """Catching up: every entry of this WordPress feed page is new, so older pages may hold more."""
        if not feed.entries or page >= self.max_feed_pages or self._cap_reached():
            return False
        if not (feed.is_wordpress or self.wp_api):
            return False
        return not any(self.incremental.is_known(_key(entry.url)) for entry in feed.entries)

    def _sub_sitemaps(self, entries: Iterable[Discovered], depth: int) -> Iterator[Request]:
        for entry in entries:
            self._inc("newsarchive/discovery/sitemap_index")
            if depth > self.max_sitemap_depth:
                self._inc("newsarchive/spider/sitemap_too_deep")
            elif not sitemaps.lists_articles(entry.url):
                self._inc("newsarchive/spider/sitemap_skipped")
            elif self.incremental.unchanged(entry):
                # Large sites keep hundreds of sub-sitemaps: only those changed since the last run are refetched.
                self._inc("newsarchive/spider/sitemap_unchanged")
            elif request := self._sitemap_request(entry.url, depth):
                yield request

    def _sitemap_request(self, url: str, depth: int) -> Request | None:
        if self._cap_reached() or not links.is_web_url(url):
            return None
        key = _key(url)
        if key in self._sitemaps_seen:
            # An index naming itself or an ancestor: fetching it again would loop.
            self._inc("newsarchive/spider/sitemap_loop")
            return None
        request = self._discovered_request(url, "sitemap", self.parse_sitemap, sitemap_depth=depth)
        if request is not None:
            self._sitemaps_seen.add(key)
        return request

    def _api_request(self, site: str, page: int) -> Request | None:
        """A page of the WordPress API's posts; the first one is a probe, remembered while the site has no API."""
        url = wpapi.posts_url(site, page, self.incremental.changed_since())
        missing = wpapi.MISSING_STATUSES
        if page > 1:
            return self._request(url, "api", self.parse_api, optional=missing, api_site=site, api_page=page)
        key = _key(urljoin(site, wpapi.POSTS_PATH))  # one memory for the endpoint, whatever the run's ``after``
        return self._discovered_request(url, "api", self.parse_api, key=key, optional=missing, api_site=site,
                                        api_page=page)  # fmt: skip

    def _discovered_request(
        self,
        url: str,
        kind: str,
        callback: Callable[[Response], Any],
        *,
        key: str | None = None,
        optional: tuple[int, ...] = OPTIONAL_MISSING,
        **meta: Any,
    ) -> Request | None:
        """A listing the publisher linked or a probe of ours (never a URL the source names): its "not here" answers
        are the site's state, and while it is remembered absent it is asked only when its next probe is due."""
        key = key or _key(url)
        if key in self._entry_points:
            return self._request(url, kind, callback, **meta)
        if not self.absences.due(key, kind):
            self._inc(statkeys.ABSENT_SKIPPED + kind)
            return None
        return self._request(url, kind, callback, optional=optional, absence_key=key, **meta)

    def _missing(self, response: Response) -> None:
        """A 200 that is not what was asked (a theme's page instead of a sitemap or the API): absent all the same."""
        if key := response.meta.get("absence_key"):
            self.absences.missed(key, response.status)

    def _on_site(self, url: str, response: Response) -> bool:
        """An article link of a section page (the same test as the front-page history's)."""
        return links.is_article_link(url, response.url, self._domains(), self.article_pattern)

    def _fallback_sitemaps(self, robots_url: str) -> list[Request]:
        """WordPress core's and Yoast's sitemap indexes (404 expected), unless the source names a sitemap there."""
        if any(links.same_site(sitemap, robots_url) for sitemap in self.source.sitemaps):
            return []
        urls = sitemaps.fallback_sitemap_urls(robots_url)
        return [request for url in urls if (request := self._sitemap_request(url, depth=0))]

    def _domains(self) -> tuple[str, ...]:
        return self.source.allowed_domains

    def _offsite_allowed(self) -> list[str]:
        """``allowed_domains`` plus the hosts of the configured URLs; empty (everything allowed) without domains."""
        if not self.source.allowed_domains:
            return []
        configured = (*self.source.start_urls, *self.source.feeds, *self.source.sitemaps)
        hosts = {(urlsplit(url).hostname or "").lower() for url in configured}
        return sorted({*(domain.lower() for domain in self.source.allowed_domains), *hosts} - {""})

    def _cap_reached(self) -> bool:
        return bool(self.source.max_articles) and self._articles_requested >= self.source.max_articles

    def _request(
        self,
        url: str,
        kind: str,
        callback: Callable[[Response], Any],
        *,
        optional: tuple[int, ...] = (),
        priority: int = DISCOVERY_PRIORITY,
        **meta: Any,
    ) -> Request:
        meta = {"page_kind": kind, "source": self.source.name, **meta}
        if optional:
            meta["optional_statuses"] = optional
        if kind == "robots" or (kind != "article" and _key(url) in self._entry_points):
            meta["entry_point"] = True  # the source's own pages: a failure degrades the run whatever the share
        headers = self.incremental.conditional_headers(kind)
        if headers:
            meta["handle_httpstatus_list"] = [*meta.get("handle_httpstatus_list", ()), 304]
        return Request(url, callback=callback, errback=self.on_error, meta=meta, priority=priority, headers=headers)

    def _not_modified(self, response: Response) -> bool:
        if response.status != 304:
            return False
        self._inc(f"newsarchive/spider/not_modified/{response.meta['page_kind']}")
        return True

    def _inc(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(key, count)


def _key(url: str) -> str:
    """The form URLs are compared in (known articles, this run's requests, sitemaps already fetched)."""
    return canonicalize_url(url.strip(), keep_fragments=False)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _truncated(response: Response) -> bool:
    """Cut short: the connection dropped (``dataloss``) or our size limit stopped the download."""
    return "dataloss" in response.flags or "download_stopped" in response.flags


def _seen_at(response: Response) -> datetime:
    """The capture's WARC-Date, else the response's Date header, else now (UTC)."""
    value = response.meta.get("warc_date")
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, str) and (parsed := parse_datetime(value)):
        return parsed
    header = response.headers.get("Date")
    if header:
        try:
            return as_utc(parsedate_to_datetime(header.decode("latin-1")))
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC)
