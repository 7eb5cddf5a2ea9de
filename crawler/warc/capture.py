"""One WARC record's place in the archive (the row the captures index keeps for it), and a closed file's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

PAGE_KINDS = (
    "article",
    "listing",
    "feed",
    "sitemap",
    "api",
    "robots",
    "cdx",
    "imported",
    "requisite",
    "render",
    "other",
)
"""What a fetched page was to the crawl; recorded in the metadata record so a replay knows what to extract.

``cdx`` and ``imported``: a Wayback Machine's capture listing and a capture fetched from it
(see ``crawler.spiders.wayback``). ``requisite``: what a page loads (here: what the browser asked for while
rendering it); ``render``: a browser capture's screenshot and DOM (resource records, see ``crawler.render``)."""


@dataclass(frozen=True)
class CaptureRow:
    filename: str
    """The closed file's name (``….warc.gz``), never the ``.open`` name."""
    offset: int
    length: int
    record_id: str
    """``<urn:uuid:…>`` as written in WARC-Record-ID."""
    record_type: str
    """response, revisit, request, metadata, warcinfo, resource (a browser capture's screenshot or DOM)."""
    target_uri: str | None
    warc_date: datetime
    status: int | None = None
    mime: str | None = None
    payload_digest: str | None = None
    """``sha1:BASE32`` for responses and revisits."""
    refers_to: str | None = None
    """The original's record id, for revisits."""
    concurrent_to: str | None = None
    source: str | None = None
    page_kind: str | None = None
    run_id: int | None = None


@dataclass(frozen=True)
class ClosedFile:
    """A WARC file the writer finished: what ``warc_file_closed`` reports and the capture store records."""

    path: Path
    """The final ``.warc.gz`` path."""
    size: int
    records: int
