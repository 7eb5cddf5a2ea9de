"""Shared HTML pieces of the replica's tagDiv-Newspaper pages: the layout shell, menus, post modules, escaping."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from functools import cache
from html import escape
from importlib import resources
from string import Template
from urllib.parse import quote

from replica.site import SITE_NAME, ReplicaArticle, ReplicaSite, slugify

DEAD_LINK_PATH = "/removed-story-10000001/"
"""Linked from the home page, answers 404 (a deleted post still linked)."""
PRIVATE_PATH = "/private/newsroom-schedule/"
"""Linked from the home page, disallowed by robots.txt: a polite crawler never fetches it."""


@cache
def template(name: str) -> Template:
    return Template(resources.files("replica").joinpath("templates", name).read_text("utf-8"))


def attr(text: str) -> str:
    return escape(text, quote=True)


def human_date(value: datetime) -> str:
    """tagDiv's date format, e.g. "March 23, 2021"."""
    return f"{value:%B} {value.day}, {value.year}"


def json_script(data: object) -> str:
    """JSON for a <script> element: UTF-8 kept, "</" escaped so the element cannot close early."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def url_q(text: str) -> str:
    return quote(text, safe="")


def author_path(name: str) -> str:
    return f"/author/{slugify(name)}/"


def person_id(base: str, name: str) -> str:
    return f"{base}/#/schema/person/{hashlib.md5(name.encode('utf-8')).hexdigest()}"


def layout(site: ReplicaSite, base: str, *, title: str, head: str, main: str, body_class: str) -> str:
    """The whole page: head metadata, header (date bar, menu, trending), ``main``, footer."""
    latest = site.articles[:3]
    return template("layout.html").substitute(
        base=base,
        title=escape(title, quote=False),
        head=head,
        body_class=body_class,
        date_bar=escape(site.date_bar()),
        menu=_menu(site, base, "tdb-menu-item-text"),
        mobile_menu=_menu(site, base, "td-mobile-item"),
        trending="".join(_trending_item(a, site, base, i) for i, a in enumerate(latest)),
        footer_latest="".join(f'<li><a href="{base}{site.article_path(a)}">{escape(a.title)}</a></li>' for a in latest),
        main=main,
        year=str((site.today or datetime.now().date()).year),
    )


def _menu(site: ReplicaSite, base: str, text_class: str) -> str:
    items = [f'<li class="menu-item menu-item-home"><a href="{base}/"><div class="{text_class}">Home</div></a></li>']
    for slug, name in site.sections().items():
        items.append(
            f'<li class="menu-item menu-item-type-taxonomy menu-item-object-category">'
            f'<a href="{base}/category/{slug}/"><div class="{text_class}">{escape(name)}</div></a></li>'
        )
    return "".join(items)


def _trending_item(article: ReplicaArticle, site: ReplicaSite, base: str, index: int) -> str:
    current = " td_module_wrap_current" if index == 0 else ""
    return (
        f'<div class="td_module_trending_now td-trending-now-post-{index} td-trending-now-post{current}">'
        f'<h3 class="entry-title td-module-title"><a href="{base}{site.article_path(article)}" rel="bookmark" '
        f'title="{attr(article.title)}">{escape(article.title)}</a></h3></div>'
    )


def module(article: ReplicaArticle, site: ReplicaSite, base: str, *, excerpt: bool = True) -> str:
    """A post teaser as tagDiv's flex modules draw it (thumb, category, title, author, date, excerpt)."""
    url = base + site.article_path(article)
    author = article.authors[0] if article.authors else SITE_NAME
    words = article.summary.split()
    teaser = " ".join(words[:25]) + ("..." if len(words) > 25 else "")
    excerpt_html = f'<div class="td-excerpt">{escape(teaser)}</div>' if excerpt else ""
    return (
        '<div class="td_module_flex td_module_flex_1 td_module_wrap td-animation-stack td-cpt-post">'
        '<div class="td-module-container td-category-pos-image"><div class="td-image-container">'
        f'<a href="{base}/category/{article.section_slug}/" class="td-post-category">{escape(article.section)}</a>'
        f'<div class="td-module-thumb"><a href="{url}" rel="bookmark" class="td-image-wrap" '
        f'title="{attr(article.title)}"><span class="entry-thumb td-thumb-css" '
        f"style=\"background-image: url('{base}{article.image_path}')\"></span></a></div></div>"
        '<div class="td-module-meta-info">'
        f'<h3 class="entry-title td-module-title"><a href="{url}" rel="bookmark" '
        f'title="{attr(article.title)}">{escape(article.title)}</a></h3>'
        '<div class="td-editor-date"><span class="td-author-date"><span class="td-post-author-name">'
        f'<a href="{base}{author_path(author)}">{escape(author)}</a> <span>-</span> </span>'
        f'<span class="td-post-date"><time class="entry-date updated td-module-date" '
        f'datetime="{article.published.isoformat()}">{human_date(article.published)}</time></span></span></div>'
        f"{excerpt_html}</div></div></div>"
    )
