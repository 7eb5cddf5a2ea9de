"""The replica's WordPress REST API: /wp-json/wp/v2/posts (paging, after/before filters), categories and tags."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from urllib.parse import urlencode

from replica._article_page import feed_content
from replica._html import author_path
from replica.site import KABUL, SITE_DESCRIPTION, SITE_NAME, ReplicaArticle, ReplicaSite, slugify

_ORDER_KEYS = {
    "date": lambda a: a.published,
    "modified": lambda a: a.last_modified,
    "id": lambda a: a.id,
    "title": lambda a: a.title.lower(),
}


@dataclass
class ApiResponse:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)


def encode(data: object) -> bytes:
    """PHP ``json_encode`` as WordPress calls it: non-ASCII as \\u escapes and slashes escaped."""
    return json.dumps(data, separators=(",", ":")).replace("/", "\\/").encode("ascii")


def term_id(kind: str, name: str) -> int:
    """Stable numeric ids for categories, tags and users (the same whatever the order posts are made in)."""
    offset = {"category": 2, "tag": 1000, "user": 3}[kind]
    return offset + zlib.crc32(slugify(name).encode("utf-8")) % 97_000


def _error(code: str, message: str, status: int = 400, **data: object) -> ApiResponse:
    return ApiResponse(status, encode({"code": code, "message": message, "data": {"status": status, **data}}))


def _invalid(param: str, why: str) -> ApiResponse:
    return _error("rest_invalid_param", f"Invalid parameter(s): {param}", params={param: why})


def _wp_local(value: datetime) -> str:
    return value.astimezone(KABUL).replace(tzinfo=None).isoformat()


def _wp_gmt(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat()


def _parse_date(text: str) -> datetime | None:
    """WordPress reads a date without an offset as site time (Kabul)."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=KABUL)


def post_json(site: ReplicaSite, base: str, article: ReplicaArticle) -> dict:
    url = base + site.article_path(article)
    modified = article.last_modified
    return {
        "id": article.id,
        "date": _wp_local(article.published),
        "date_gmt": _wp_gmt(article.published),
        "guid": {"rendered": f"{base}/?p={article.id}"},
        "modified": _wp_local(modified),
        "modified_gmt": _wp_gmt(modified),
        "slug": article.slug,
        "status": "publish",
        "type": "post",
        "link": url,
        "title": {"rendered": escape(article.title, quote=False)},
        "content": {"rendered": feed_content(article, base) + "\n", "protected": False},
        "excerpt": {"rendered": f"<p>{escape(article.summary, quote=False)} [&hellip;]</p>\n", "protected": False},
        "author": term_id("user", article.authors[0] if article.authors else SITE_NAME),
        "featured_media": article.id + 1,
        "comment_status": "open",
        "ping_status": "open",
        "sticky": False,
        "template": "",
        "format": "standard",
        "meta": {"footnotes": ""},
        "categories": [term_id("category", article.section)],
        "tags": [term_id("tag", tag) for tag in article.tags],
        "class_list": [f"post-{article.id}", "post", "type-post", "status-publish", f"category-{article.section_slug}"],
        "jetpack_featured_media_url": base + article.image_path,
        "_links": {
            "self": [{"href": f"{base}/wp-json/wp/v2/posts/{article.id}"}],
            "collection": [{"href": f"{base}/wp-json/wp/v2/posts"}],
            "author": [{"embeddable": True, "href": f"{base}/wp-json/wp/v2/users/{term_id('user', SITE_NAME)}"}],
        },
    }


def posts(site: ReplicaSite, base: str, query: dict[str, str]) -> ApiResponse:
    """``GET /wp-json/wp/v2/posts`` with per_page, page, after, before, modified_after, modified_before,
    categories, order and orderby, answering errors the way WordPress does."""
    per_page, page = query.get("per_page", "10"), query.get("page", "1")
    if not per_page.isdigit() or not 1 <= int(per_page) <= 100:
        return _invalid("per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)")
    if not page.isdigit() or int(page) < 1:
        return _invalid("page", "page must be greater than or equal to 1")
    selected = _filter(site.articles, query)
    if isinstance(selected, ApiResponse):
        return selected
    size, number = int(per_page), int(page)
    total = len(selected)
    pages = -(-total // size)
    if number > max(pages, 1):
        return _error(
            "rest_post_invalid_page_number", "The page number requested is larger than the number of pages available."
        )
    shown = selected[(number - 1) * size : number * size]
    headers = [("X-WP-Total", str(total)), ("X-WP-TotalPages", str(pages))]
    links = _page_links(base, query, number, pages)
    if links:
        headers.append(("Link", links))
    return ApiResponse(200, encode([post_json(site, base, a) for a in shown]), headers)


def _filter(articles: list[ReplicaArticle], query: dict[str, str]) -> list[ReplicaArticle] | ApiResponse:
    selected = list(articles)
    bounds = {
        "after": lambda a, t: a.published > t,
        "before": lambda a, t: a.published < t,
        "modified_after": lambda a, t: a.last_modified > t,
        "modified_before": lambda a, t: a.last_modified < t,
    }
    for name, keep in bounds.items():
        if name in query:
            limit = _parse_date(query[name])
            if limit is None:
                return _invalid(name, "Invalid date.")
            selected = [a for a in selected if keep(a, limit)]
    if "categories" in query:
        wanted = {int(v) for v in query["categories"].split(",") if v.strip().isdigit()}
        selected = [a for a in selected if term_id("category", a.section) in wanted]
    orderby, order = query.get("orderby", "date"), query.get("order", "desc")
    if orderby not in _ORDER_KEYS:
        return _invalid("orderby", f"orderby is not one of {', '.join(_ORDER_KEYS)}.")
    if order not in ("asc", "desc"):
        return _invalid("order", "order is not one of asc and desc.")
    selected.sort(key=_ORDER_KEYS[orderby], reverse=order == "desc")
    return selected


def _page_links(base: str, query: dict[str, str], number: int, pages: int) -> str:
    def link(page: int, rel: str) -> str:
        return f'<{base}/wp-json/wp/v2/posts?{urlencode({**query, "page": str(page)})}>; rel="{rel}"'

    links = []
    if number > 1:
        links.append(link(number - 1, "prev"))
    if number < pages:
        links.append(link(number + 1, "next"))
    return ", ".join(links)


def single_post(site: ReplicaSite, base: str, post_id: int) -> ApiResponse:
    article = site.article_by_id(post_id)
    if article is None:
        return _error("rest_post_invalid_id", "Invalid post ID.", 404)
    return ApiResponse(200, encode(post_json(site, base, article)))


def terms(site: ReplicaSite, base: str, kind: str) -> ApiResponse:
    """``/wp-json/wp/v2/categories`` and ``/tags``: every term in use, with its post count (no paging needed)."""
    counts: dict[str, int] = {}
    for article in site.articles:
        for name in [article.section] if kind == "category" else article.tags:
            counts[name] = counts.get(name, 0) + 1
    taxonomy = "category" if kind == "category" else "post_tag"
    path = "category" if kind == "category" else "tag"
    items = [
        {
            "id": term_id(kind, name),
            "count": count,
            "description": "",
            "link": f"{base}/{path}/{slugify(name)}/",
            "name": escape(name, quote=False),
            "slug": slugify(name),
            "taxonomy": taxonomy,
            "parent": 0,
        }
        for name, count in sorted(counts.items())
    ]
    return ApiResponse(200, encode(items), [("X-WP-Total", str(len(items))), ("X-WP-TotalPages", "1")])


def users(site: ReplicaSite, base: str) -> ApiResponse:
    names = sorted({name for a in site.articles for name in a.authors})
    items = [
        {"id": term_id("user", n), "name": n, "url": "", "link": base + author_path(n), "slug": slugify(n)}
        for n in names
    ]
    return ApiResponse(200, encode(items), [("X-WP-Total", str(len(items))), ("X-WP-TotalPages", "1")])


def index(base: str) -> ApiResponse:
    """``/wp-json/``: the discovery document (abridged to the routes the replica serves)."""
    routes = ["/wp/v2/posts", "/wp/v2/posts/(?P<id>[\\d]+)", "/wp/v2/categories", "/wp/v2/tags", "/wp/v2/users"]
    return ApiResponse(
        200,
        encode(
            {
                "name": SITE_NAME,
                "description": SITE_DESCRIPTION,
                "url": base,
                "home": base,
                "gmt_offset": "4.5",
                "timezone_string": "Asia/Kabul",
                "namespaces": ["oembed/1.0", "wp/v2", "wp-site-health/v1"],
                "routes": {route: {"namespace": "wp/v2", "methods": ["GET"]} for route in routes},
            }
        ),
    )
