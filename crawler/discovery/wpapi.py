"""The WordPress REST API post listing (``/wp-json/wp/v2/posts``): URLs, pages and post links."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import urlencode, urljoin

from crawler.discovery.entries import Discovered, parse_datetime

log = logging.getLogger(__name__)

POSTS_PATH = "/wp-json/wp/v2/posts"
PER_PAGE = 100
"""WordPress's maximum page size."""
FIELDS = "id,link,date_gmt,modified_gmt"
MISSING_STATUSES = (400, 401, 403, 404, 410)
"""What a site answers when the API is disabled or a page is past the end: not an error."""


class NotAPostListing(ValueError):
    """The response is not a JSON list of posts (the API is off and a theme page answered)."""


def posts_url(site_url: str, page: int = 1, after: datetime | None = None, before: datetime | None = None) -> str:
    """The listing of posts published after ``after`` and before ``before`` (unbounded when ``None``), newest first.

    Dates are sent in UTC with a ``Z``: WordPress reads a date without an offset as the site's local time.
    """
    params: dict[str, str] = {"per_page": str(PER_PAGE)}
    if after is not None:
        params["after"] = _wp_date(after)
    if before is not None:
        params["before"] = _wp_date(before)
    params["_fields"] = FIELDS
    if page > 1:
        params["page"] = str(page)
    return f"{urljoin(site_url, POSTS_PATH)}?{urlencode(params, safe=',:')}"


def parse_posts(body: bytes) -> list[Discovered]:
    """Each post's ``link`` with ``modified_gmt``/``date_gmt`` (UTC)."""
    try:
        posts = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise NotAPostListing(str(e)) from e
    if not isinstance(posts, list):
        raise NotAPostListing(f"expected a JSON list, got {type(posts).__name__}")
    found = []
    for post in posts:
        link = post.get("link") if isinstance(post, dict) else None
        if not isinstance(link, str) or not link:
            continue
        found.append(
            Discovered(
                url=link,
                modified=parse_datetime(_text(post.get("modified_gmt"))),
                published=parse_datetime(_text(post.get("date_gmt"))),
            )
        )
    return found


def total_pages(headers: Mapping[str, str]) -> int:
    """``X-WP-TotalPages`` (1 when absent or malformed)."""
    value = headers.get("X-WP-TotalPages") or headers.get("x-wp-totalpages")
    try:
        return max(1, int(value)) if value else 1
    except ValueError:
        return 1


def _wp_date(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
