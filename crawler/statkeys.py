"""Stats keys that code reads back (run outcome, metrics, status, warcrecorder), named once for writers and readers.

Keys only ever dumped (the crawl's log, ``crawl_runs.stats``) stay literal where they are counted.
"""

from __future__ import annotations

ARTICLES_NEW = "newsarchive/articles/new"
ARTICLES_UPDATED = "newsarchive/articles/updated"
ARTICLES_UNCHANGED = "newsarchive/articles/unchanged"
ARTICLES_UNSTORED = "newsarchive/articles/unstored"
"""Articles extracted but not stored (the database was down): the run is degraded, the articles are in the WARCs."""
CAPTURES_UNSTORED = "newsarchive/captures/unstored"
FRONT_PAGES = "newsarchive/spider/front_pages"
"""Front-page captures read (their links are items too: ``item_scraped_count`` less these is the articles)."""
MAX_ARTICLES_REACHED = "newsarchive/spider/max_articles_reached"
"""Set when the run's article cap stopped a request: a back-fill batch's window is not walked to its end."""

FETCH_ERRORS = "newsarchive/spider/fetch_errors/"
"""A prefix: one key per page kind (``…/article``, ``…/feed``); their sum judges a run."""
FETCH_ERRORS_UNNAMESPACED = "newsarchive/fetch_errors/"
"""The prefix before keys were named ``newsarchive/<component>/<event>``: still read in runs stored with it."""
FETCH_ERROR_CAUSES = "newsarchive/spider/fetch_error_causes/"
"""A prefix: the same failures by cause (``…/timeout``, ``…/http_503``), for the verdict's words."""
FIRST_FETCH_ERROR = "newsarchive/spider/first_fetch_error"
"""The first failed request in words (``feed https://…/feed/: HTTP 503``), for the verdict."""
ENTRY_POINT_ERRORS = "newsarchive/spider/entry_point_errors"
"""Failures of robots.txt or of a URL the source's configuration names: the run degrades whatever the share."""
ABSENT = "newsarchive/spider/absent/"
"""A prefix: per page kind, discovered URLs the publisher answered 404/410 (or "no API here"): its state, archived."""
ABSENT_SKIPPED = "newsarchive/spider/absent_skipped/"
"""A prefix: per page kind, remembered absences not asked this run (their next probe is not due)."""
ARTICLE_GONE = "newsarchive/spider/article_gone"
"""Listed articles that answered 404/410: a dead link on the publisher's site, archived as such."""
EXTRACT_FAILED = "newsarchive/extract/worker_failed"
"""Article pages archived but not extracted: an extraction worker timed out or died on them."""

RENDER_PAGES = "newsarchive/render/pages"
"""Pages rendered and their screenshot and DOM recorded."""
RENDER_GIVEN_UP = "newsarchive/render/given_up/"
"""A prefix: renders given up, one key per reason (``timeout``, ``memory``, ``crashed``, ``failed``, ``browser``)."""

WARC_BYTES = "newsarchive/warc/bytes"
WARC_ERROR = "newsarchive/warc/error"
"""The first WARC write error's message (it ends the crawl)."""
WARC_ERRORS = "newsarchive/warc/errors"

# Written after the crawl when the archive is in an object store (crawler.run.shipping).
STORE_PENDING_FILES = "newsarchive/store/pending_files"
STORE_PENDING_BYTES = "newsarchive/store/pending_bytes"
STORE_UPLOADED_FILES = "newsarchive/store/uploaded_files"
STORE_UPLOADED_BYTES = "newsarchive/store/uploaded_bytes"
STORE_ERROR = "newsarchive/store/error"
