"""The replica's listing pages: home, category archives with /page/N/ pagination, and the 404 page."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from replica._home_boxes import EMPTY, home_boxes
from replica._html import DEAD_LINK_PATH, PRIVATE_PATH, layout, module, template
from replica.site import PER_PAGE, SITE_DESCRIPTION, SITE_NAME, ReplicaArticle, ReplicaSite, slugify


def page_count(articles: list[ReplicaArticle]) -> int:
    return max(1, -(-len(articles) // PER_PAGE))


def render_home(site: ReplicaSite, base: str, page: int) -> str | None:
    """Page ``page`` of the newest posts; ``None`` past the last page (WordPress answers 404)."""
    extra = [
        ("Newsroom schedule", PRIVATE_PATH),
        ("Exclusive: ministers' archive story", DEAD_LINK_PATH),
        ("About Us", "/about-us/"),
    ]
    title = f"{SITE_NAME} - {SITE_DESCRIPTION}" if page == 1 else f"{SITE_NAME} - Page {page}"
    return _listing(
        site,
        base,
        site.articles,
        page,
        prefix="/",
        heading="Latest news",
        title=title,
        body_class="home blog",
        extra=extra,
        boxes=(lambda shown: home_boxes(site, base, shown)) if page == 1 else None,
    )


def render_category(site: ReplicaSite, base: str, slug: str, page: int) -> str | None:
    articles = site.in_section(slug)
    if not articles:
        return None
    name = site.sections()[slug]
    title = (
        f"{name} Archives - {SITE_NAME}"
        if page == 1
        else f"{name} Archives - Page {page} of {page_count(articles)} - {SITE_NAME}"
    )
    extra = [(other, f"/category/{other_slug}/") for other_slug, other in site.sections().items() if other_slug != slug]
    return _listing(
        site,
        base,
        articles,
        page,
        prefix=f"/category/{slug}/",
        heading=name,
        title=title,
        body_class=f"archive category category-{slug}",
        extra=extra,
        feed=(f"{SITE_NAME} &raquo; {escape(name)} Category Feed", f"/category/{slug}/feed/"),
    )


def render_not_found(site: ReplicaSite, base: str) -> str:
    main = template("notfound.html").substitute(
        base=base, modules="".join(module(a, site, base) for a in site.articles[:4])
    )
    head = '    <meta name="robots" content="noindex, follow" />'
    return layout(site, base, title=f"Page not found - {SITE_NAME}", head=head, main=main, body_class="error404")


def _listing(
    site: ReplicaSite,
    base: str,
    articles: list[ReplicaArticle],
    page: int,
    *,
    prefix: str,
    heading: str,
    title: str,
    body_class: str,
    extra: list[tuple[str, str]],
    feed: tuple[str, str] | None = None,
    boxes: Callable[[list[ReplicaArticle]], dict[str, str]] | None = None,
) -> str | None:
    pages = page_count(articles)
    if page < 1 or page > pages:
        return None
    shown = articles[(page - 1) * PER_PAGE : page * PER_PAGE]
    main = template("listing.html").substitute(
        base=base,
        heading=escape(heading),
        modules="".join(module(a, site, base) for a in shown),
        pagination=_pagination(base, prefix, page, pages),
        extra="".join(f'<li><a href="{base}{path}">{escape(text)}</a></li>' for text, path in extra),
        **(boxes(shown) if boxes else EMPTY),
    )
    head = [f'    <link rel="canonical" href="{base}{_page_path(prefix, page)}" />']
    if page > 1:
        head.append(f'    <link rel="prev" href="{base}{_page_path(prefix, page - 1)}" />')
    if page < pages:
        head.append(f'    <link rel="next" href="{base}{_page_path(prefix, page + 1)}" />')
    head.append('    <meta property="og:type" content="website" />')
    if feed:
        head.append(f'    <link rel="alternate" type="application/rss+xml" title="{feed[0]}" href="{base}{feed[1]}" />')
    return layout(site, base, title=title, head="\n".join(head), main=main, body_class=body_class)


def _page_path(prefix: str, page: int) -> str:
    return prefix if page == 1 else f"{prefix}page/{page}/"


def _pagination(base: str, prefix: str, page: int, pages: int) -> str:
    if pages == 1:
        return ""
    parts = []
    if page > 1:
        parts.append(
            f'<a href="{base}{_page_path(prefix, page - 1)}" aria-label="prev-page">'
            '<i class="page-nav-icon td-icon-menu-left"></i></a>'
        )
    # tagDiv shows the first, the last and the pages around the current one, with "..." between.
    numbers = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    for previous, number in zip([0, *numbers], numbers, strict=False):
        if number - previous > 1:
            parts.append('<span class="extend">...</span>')
        if number == page:
            parts.append(f'<span class="current">{number}</span>')
        else:
            parts.append(f'<a href="{base}{_page_path(prefix, number)}" class="page" title="{number}">{number}</a>')
    if page < pages:
        parts.append(
            f'<a href="{base}{_page_path(prefix, page + 1)}" aria-label="next-page">'
            '<i class="page-nav-icon td-icon-menu-right"></i></a>'
        )
    parts.append(f'<span class="pages">Page {page} of {pages}</span>')
    return "".join(parts)


def render_term(site: ReplicaSite, base: str, kind: str, slug: str, page: int) -> str | None:
    """A tag (``kind="tag"``) or author (``kind="author"``) archive; ``None`` when nothing matches."""
    if kind == "tag":
        articles = [a for a in site.articles if any(slugify(t) == slug for t in a.tags)]
        names = [t for a in articles for t in a.tags if slugify(t) == slug]
    else:
        articles = [a for a in site.articles if any(slugify(n) == slug for n in a.authors)]
        names = [n for a in articles for n in a.authors if slugify(n) == slug]
    if not articles:
        return None
    name = names[0]
    title = f"{name} Archives - {SITE_NAME}" if kind == "tag" else f"{name}, Author at {SITE_NAME}"
    return _listing(
        site,
        base,
        articles,
        page,
        prefix=f"/{kind}/{slug}/",
        heading=name,
        title=title,
        body_class=f"archive {kind}",
        extra=[],
    )


def render_static(site: ReplicaSite, base: str, name: str) -> str:
    """A plain WordPress page (About Us and the like)."""
    text = (
        f"{SITE_NAME} is a Kabul-based independent and non-political news organization established in 2010. "
        "This is the replica's static page; it exists so that footer links resolve."
    )
    main = (
        f'<div class="td-main-content-wrap td-container-wrap"><div class="td-page-content">'
        f'<h1 class="tdb-title-text">{escape(name)}</h1><p>{escape(text)}</p></div></div>'
    )
    return layout(
        site, base, title=f"{name} - {SITE_NAME}", head="", main=main, body_class="page-template-default page"
    )
