"""Front-page history in the reading room: ``/front`` (a front page at a time) and an article's front-page life.

Views return plain dicts, as ``views.py``'s do: ``app.py`` renders them at ``/front`` and as JSON at ``/api/front``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from crawler.storage import frontreading, reading
from scheduler.web import params


class NoFrontPage(LookupError):
    """No capture of the asked-for front page is archived."""


LINK_ORDER = "by rank on the page (as it showed them, top first)"
"""What a capture's links are ordered by, said on ``/front`` and in its JSON twin (as ``views.ORDERS``)."""


def front(request: Request, db: reading.Reader) -> dict[str, Any]:
    """The capture of a source's front page at or before ``at`` (default: now), its links, its neighbours."""
    query = request.query_params
    tz = params.zone(query)
    source, url = params.text(query, "source"), params.text(query, "url")
    at = moment(params.text(query, "at"), tz)
    if source is None:
        return {"source": None, "pages": frontreading.pages(db), "capture": None}
    url = url or frontreading.page_url(db, source)
    capture = frontreading.capture_at(db, source, url, at or datetime.now(UTC)) if url else None
    if capture is None:
        raise NoFrontPage(f"no front page of {source} is archived")
    previous, following = frontreading.neighbours(db, capture)
    links = frontreading.links(db, capture["link_set_id"], previous["link_set_id"] if previous else None)
    shot = frontreading.screenshot(db, capture["url"], capture["captured_at"])
    return {
        "source": source,
        "pages": [],
        "asked_at": at,
        "capture": {
            "url": capture["url"],
            "captured_at": capture["captured_at"],
            "archive_path": _archive_path(capture["captured_at"], capture["url"]),
            "links": len(links),
            "new": sum(link["new"] for link in links),
            "unchanged": previous is not None and previous["link_set_id"] == capture["link_set_id"],
        },
        "previous": _neighbour(source, previous, query.get("tz")),
        "next": _neighbour(source, following, query.get("tz")),
        "links": links,
        "ordered_by": LINK_ORDER,
        "screenshot": _screenshot(capture["url"], shot),
    }


def article_life(db: reading.Reader, article_id: int) -> list[dict[str, Any]]:
    """When and how high an article stood on each front page, with a link to its best-ranked capture."""
    life = frontreading.article_life(db, frontreading.article_urls(db, article_id))
    for page in life:
        page["front_path"] = front_path(page["source"], page["page_url"], page["best_at"])
    return life


def article_screenshot(db: reading.Reader, url: str, captured_at: datetime) -> dict[str, Any] | None:
    """The screenshot of an article's page taken nearest its capture (a browser capture of it), if any."""
    return _screenshot(url, frontreading.screenshot(db, url, captured_at))


def moment(raw: str | None, tz: tzinfo) -> datetime | None:
    """``at``: an instant (ISO 8601; without an offset, in the reader's zone) or a day (its end: that day's last
    capture)."""
    if raw is None:
        return None
    try:
        if "T" not in raw and " " not in raw:
            return datetime.combine(date.fromisoformat(raw), time.max, tzinfo=tz)
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise params.BadRequest(f"at must be a time like 2024-07-13T06:00 or a day, not {raw[:40]!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=tz)


def iso(value: datetime) -> str:
    """An instant as the exact, URL-friendly ``at`` of a capture (UTC, microseconds kept)."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def front_path(source: str, url: str, at: datetime, tz: str | None = None) -> str:
    """The address of one capture of a front page (``tz``: the reader's zone, kept)."""
    return "/front?" + urlencode({"source": source, "url": url, "at": iso(at), **({"tz": tz} if tz else {})})


def _archive_path(captured_at: datetime, url: str) -> str:
    """The pywb address of a capture (as ``views.archive_path``, which imports this module)."""
    return f"/archive/{reading.as_of(captured_at)}/{url}"


def _neighbour(source: str, capture: dict[str, Any] | None, tz: str | None) -> dict[str, Any] | None:
    if capture is None:
        return None
    at = capture["captured_at"]
    return {"captured_at": at, "path": front_path(source, capture["url"], at, tz)}


def _screenshot(url: str, row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    at = row["captured_at"]
    return {"captured_at": at, "path": "/screenshot?" + urlencode({"url": url, "at": iso(at)})}
