"""A Wayback Machine's CDX server (``/cdx/search/cdx``) and its raw captures (``/web/<timestamp>id_/<url>``).

The CDX API of the Internet Archive (and of pywb, which serves the same interface) lists captures of a URL prefix
as JSON rows; ``collapse=urlkey`` keeps one capture per URL (the oldest in the range, the nearest to publication),
and ``showResumeKey`` pages through large sites. The ``id_`` modifier returns the payload as it was captured, not
rewritten for replay, so it extracts like a page fetched from the publisher.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

CDX_PATH = "/cdx/search/cdx"
PAGE_SIZE = 1000
FIELDS = ("timestamp", "original", "mimetype", "statuscode")
_RAW_URL = re.compile(r"^(?P<wayback>https?://.+?)/web/(?P<timestamp>\d{4,14})id_/(?P<original>https?://.+)$")


class NotACdxListing(ValueError):
    """The CDX answer is not the JSON rows it should be."""


@dataclass(frozen=True)
class WaybackCapture:
    timestamp: str
    """The capture's 14-digit time, ``YYYYMMDDhhmmss`` (UTC)."""
    original: str
    """The publisher's URL that was captured."""

    @property
    def captured_at(self) -> datetime:
        return datetime.strptime(self.timestamp[:14].ljust(14, "0"), "%Y%m%d%H%M%S").replace(tzinfo=UTC)

    def raw_url(self, wayback: str) -> str:
        """The capture's payload as archived (``id_``: not rewritten for replay)."""
        return f"{wayback.rstrip('/')}/web/{self.timestamp}id_/{self.original}"

    def replay_url(self, wayback: str) -> str:
        """The capture as a reader would open it in that Wayback Machine (its origin, as we record it)."""
        return f"{wayback.rstrip('/')}/web/{self.timestamp}/{self.original}"


@dataclass(frozen=True)
class CdxPage:
    captures: list[WaybackCapture]
    resume_key: str | None
    """Where the next page starts; None on the last page."""


def cdx_url(wayback: str, host: str, since: datetime, until: datetime, resume_key: str | None = None) -> str:
    """Successful HTML captures of every URL on ``host`` made in ``[since, until)``, one per URL."""
    params = [
        ("url", f"{host}/*"),
        ("from", _timestamp(since)),
        ("to", _timestamp(until)),
        ("output", "json"),
        ("fl", ",".join(FIELDS)),
        ("filter", "statuscode:200"),
        ("filter", "mimetype:text/html"),
        ("collapse", "urlkey"),
        ("limit", str(PAGE_SIZE)),
        ("showResumeKey", "true"),
    ]
    if resume_key:
        params.append(("resumeKey", resume_key))
    return f"{wayback.rstrip('/')}{CDX_PATH}?{urlencode(params)}"


def parse_cdx(body: bytes) -> CdxPage:
    """The rows of a JSON CDX answer: a header row of field names, captures, then (when paged) ``[]`` and the key."""
    try:
        rows = json.loads(body or b"[]")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NotACdxListing(str(error)) from error
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise NotACdxListing("expected a JSON list of rows")
    if not rows:
        return CdxPage([], None)
    header, body_rows = rows[0], rows[1:]
    resume_key = None
    if len(body_rows) >= 2 and body_rows[-2] == [] and len(body_rows[-1]) == 1:
        resume_key = str(body_rows[-1][0])
        body_rows = body_rows[:-2]
    try:
        at, original = header.index("timestamp"), header.index("original")
    except ValueError as error:
        raise NotACdxListing(f"no {error} field in the header row") from error
    captures = [WaybackCapture(str(row[at]), str(row[original])) for row in body_rows if len(row) > max(at, original)]
    return CdxPage(captures, resume_key)


def parse_raw_url(url: str) -> tuple[str, WaybackCapture] | None:
    """The Wayback Machine and capture of a raw capture URL (what an import fetched), else None."""
    match = _RAW_URL.match(url)
    if match is None:
        return None
    return match["wayback"], WaybackCapture(match["timestamp"], match["original"])


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")
