"""The pages: each view turns query parameters into the data one template (and the matching JSON) shows.

A view returns a plain dict; ``app.py`` renders it as HTML at ``/name`` and as JSON at ``/api/name``, so both
always agree and take the same parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from crawler.storage import reading
from crawler.storage.sourcefacts import SourceFacts, source_facts
from scheduler.web import diffs, frontviews, params
from scheduler.web.pool import Database

ORDERS = {
    "sources": "by name",
    "articles": "newest publication first (pages that give no date: by first capture)",
    "rank": "best match first, then newest publication",
    "date": "newest publication first (pages that give no date: by first capture)",
    "changes": "newest change first (by capture time)",
    "runs": "newest run first (by start time)",
    "versions": "oldest version first",
}
"""What each list is ordered by, said on its page and in its JSON twin (``ordered_by``)."""


class NotFound(Exception):
    """The asked-for article or version is not in the archive."""


@dataclass
class Context:
    """What every view needs: the database and what its schema offers."""

    db: Database
    page_size: int = 25
    _columns: dict[str, bool] | None = None

    def has(self, feature: str) -> bool:
        """Schema features by migration (looked up once): change classes, run workers."""
        if self._columns is None:
            self._columns = {
                "change_class": reading.has_column(self.db, "article_versions", "change_class"),
                "worker": reading.has_column(self.db, "crawl_runs", "worker"),
                "front_pages": reading.has_column(self.db, "front_pages", "link_set_id"),
            }
        return self._columns[feature]


def home(request: Request, ctx: Context) -> dict[str, Any]:
    """Sources with their latest run (why it was not clean, in words), and the newest articles by publication."""
    params.zone(request.query_params)
    ordered_by = {"sources": ORDERS["sources"], "recent": ORDERS["articles"]}
    sources = [_source_row(facts) for facts in source_facts(ctx.db).values()]
    return {"sources": sources, "recent": reading.recent(ctx.db), "ordered_by": ordered_by}


def _source_row(facts: SourceFacts) -> dict[str, Any]:
    """One row of the sources table; a running run's new articles are those stored so far (``running``)."""
    run = facts.last_run
    return {
        "name": facts.name,
        "articles": facts.articles,
        "articles_today": facts.articles_today,
        "status": run.status if run else None,
        "started_at": run.started_at if run else None,
        "finished_at": run.finished_at if run else None,
        "error": run.error if run else None,
        "new_articles": run.new_articles if run else None,
        "running": bool(run and run.running),
        "last_success": facts.last_success_at,
    }


def articles(request: Request, ctx: Context) -> dict[str, Any]:
    """Current versions, newest first, optionally of one source."""
    query = request.query_params
    source = params.text(query, "source")
    number = params.integer(query, "page", default=1)
    params.zone(query)
    page = reading.articles(ctx.db, source=source, number=number, size=ctx.page_size)
    return {"source": source, "page": page, "ordered_by": ORDERS["articles"]}


def article(request: Request, ctx: Context) -> dict[str, Any]:
    """The current version, and every version with a link to its archived capture."""
    query = request.query_params
    url = params.text(query, "url", required=True)
    params.zone(query)
    record = reading.article(ctx.db, url)
    if record is None:
        raise NotFound(f"no article with url {url}")
    history = reading.versions(ctx.db, record["id"], with_class=ctx.has("change_class"))
    for version in history:
        version["archive_path"] = archive_path(version["captured_at"], version["capture_url"])
    current = next((v for v in history if v["version"] == record["current_version"]), history[-1])
    article_id = record.pop("id")
    front = frontviews.article_life(ctx.db, article_id) if ctx.has("front_pages") else []
    shot = frontviews.article_screenshot(ctx.db, current["capture_url"], current["captured_at"])
    return {
        "article": record,
        "current": current,
        "versions": history,
        "ordered_by": ORDERS["versions"],
        "front_pages": front,
        "screenshot": shot,
    }


def front(request: Request, ctx: Context) -> dict[str, Any]:
    """A source's front page at a time: its ranked links, what was new, its screenshot (``frontviews``)."""
    if not ctx.has("front_pages"):
        raise NotFound("this database has no front-page history yet (run `newsarchive db migrate`)")
    try:
        return frontviews.front(request, ctx.db)
    except frontviews.NoFrontPage as error:
        raise NotFound(str(error)) from None


def diff(request: Request, ctx: Context) -> dict[str, Any]:
    """Word-level changes of each field between two versions (default: the previous and the current one)."""
    query = request.query_params
    url = params.text(query, "url", required=True)
    asked_to = params.integer(query, "to", default=0, low=0) or None
    asked_from = params.integer(query, "from", default=0, low=0) or None
    record = reading.article(ctx.db, url)
    if record is None:
        raise NotFound(f"no article with url {url}")
    new = asked_to or record["current_version"]
    old = asked_from or max(new - 1, 1)
    history = {v["version"]: v for v in reading.versions(ctx.db, record["id"], with_class=ctx.has("change_class"))}
    if old not in history or new not in history:
        raise NotFound(f"version {old if old not in history else new} of {url} is not stored")
    record.pop("id")
    fields = diffs.compare(history[old], history[new])
    return {
        "article": record,
        "from_version": old,
        "to_version": new,
        "versions": sorted(history),
        "fields": fields,
    }


def search(request: Request, ctx: Context) -> dict[str, Any]:
    """Full-text search on current versions, ranked or by date, with facets."""
    query = request.query_params
    q = params.text(query, "q")
    sort = params.choice(query, "sort", ("rank", "date"))
    number = params.integer(query, "page", default=1)
    filters = {
        "q": q,
        "source": params.text(query, "source"),
        "section": params.text(query, "section"),
        "author": params.text(query, "author"),
        "since": params.day(query, "since"),
        "until": params.day(query, "until"),
    }
    params.zone(query)
    shown = {"filters": filters, "sort": sort, "ordered_by": ORDERS[sort]}
    if q is None:
        return {**shown, "page": None, "facets": {}}
    parsed = reading.tsquery(ctx.db, q)
    if parsed is None:  # only stop words or operators: nothing can match
        return {**shown, "page": reading.Page([], number, ctx.page_size, False), "facets": {}}
    found = {**filters, "query": parsed}
    result = reading.search(ctx.db, found, sort=sort, number=number, size=ctx.page_size)
    return {**shown, "page": result.page, "facets": result.facets}


def changes(request: Request, ctx: Context) -> dict[str, Any]:
    """Articles edited after their first capture, newest change first (substantive edits unless ``all=1``)."""
    query = request.query_params
    show_all = params.flag(query, "all")
    number = params.integer(query, "page", default=1)
    params.zone(query)
    with_class = ctx.has("change_class")
    page = reading.changes(
        ctx.db, substantive_only=not show_all, with_class=with_class, number=number, size=ctx.page_size
    )
    return {"all": show_all, "classified": with_class, "page": page, "ordered_by": ORDERS["changes"]}


def runs(request: Request, ctx: Context) -> dict[str, Any]:
    """Crawl runs, newest first."""
    query = request.query_params
    source = params.text(query, "source")
    number = params.integer(query, "page", default=1)
    params.zone(query)
    page = reading.runs(ctx.db, source=source, number=number, size=ctx.page_size, with_worker=ctx.has("worker"))
    return {"source": source, "page": page, "ordered_by": ORDERS["runs"]}


def archive_path(captured_at: Any, url: str) -> str:
    """The pywb address of a capture: ``/archive/<14-digit UTC timestamp>/<url>``."""
    return f"/archive/{reading.as_of(captured_at)}/{url}"


PAGES = {
    "": (home, "home.html"),
    "articles": (articles, "articles.html"),
    "article": (article, "article.html"),
    "diff": (diff, "diff.html"),
    "search": (search, "search.html"),
    "changes": (changes, "changes.html"),
    "runs": (runs, "runs.html"),
    "front": (front, "front.html"),
}
"""Path (without the leading slash) → view and template."""
