"""Which WARC records get a ``captures`` row: those a query of ours reads; the CDXJ indexes find every record.

The readers and what they read (README, "What the database keeps"):

- the reading room's article page (``crawler.storage.reading.versions``): the capture each version came from
  (``article_versions.warc_record_id``: a 2xx response, or a revisit when the replay resolved one), for its time
  and URL; ``reading.captures`` (an article URL's responses and revisits) has no caller today;
- the incremental crawl's "known" articles (``crawler.storage.articles``): article responses and revisits;
- WACZ export (``crawler.replay.wacz``): files by their article captures, pages from them, originals of revisits;
- replay's originals (``crawler.replay.originals``) and the recorder's dedup table
  (``crawler.storage.captures.CaptureStore.load_digests``): responses that can be revisit targets;
- provenance of imported versions: their Wayback capture (``imported``);
- the screenshot view (``crawler.storage.frontreading.screenshot``): resource records;
- page requisites' freshness (``crawler.storage.requisites``): a requisite's last answer — its bytes, a 304, a
  404/410 — settles it for its freshness period, so every answer of one is kept (a row per requisite per period,
  never per run: a fresh requisite is not asked).

Request, metadata and warcinfo records, revisits of feeds, listings, sitemaps, robots.txt and the API, and
non-2xx or empty responses (a 304 of an unchanged feed, the 404 of a dead link a home page still shows, fetched
every run) are read by none of these: an unchanged run adds no row. They stay in the WARCs and their CDXJ indexes,
which pywb replays from (a dead link's 404 shows in pywb's calendar).
"""

from __future__ import annotations

from crawler.warc.capture import CaptureRow

EMPTY_PAYLOAD_DIGEST = "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"
"""The digest of an empty body: never a revisit target (WARC rule 6)."""

HISTORY_KINDS = frozenset({"article", "imported"})
"""Page kinds whose revisits are read too (the "known" articles, WACZ pages). Their 2xx responses are kept as every
revisit target is; a 404 of a dead link is not (below)."""


REQUISITE_ANSWERS = frozenset({304, 404, 410})
"""A requisite's answers besides 2xx that settle it for its freshness period (``crawler.storage.requisites``)."""


def keeps_row(row: CaptureRow) -> bool:
    """Whether ``row`` goes to the ``captures`` table (migration 0013 copied existing rows by the same rule)."""
    if row.record_type == "resource":
        return True
    if row.page_kind == "requisite" and row.record_type in ("response", "revisit"):
        return row.status is not None and (200 <= row.status < 300 or row.status in REQUISITE_ANSWERS)
    if row.record_type == "revisit" and row.page_kind in HISTORY_KINDS:
        return True
    return row.record_type == "response" and is_revisit_target(row)


def is_revisit_target(row: CaptureRow) -> bool:
    """A 2xx response with a non-empty body: later identical payloads are revisits pointing at it."""
    return (
        row.status is not None
        and 200 <= row.status < 300
        and row.payload_digest is not None
        and row.payload_digest != EMPTY_PAYLOAD_DIGEST
        and row.target_uri is not None
    )
