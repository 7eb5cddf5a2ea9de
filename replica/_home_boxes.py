"""The replica home page's boxes, as a news front page has them: a lead story, "Latest", a section block, "Most read".

Every box shows only posts of the page's own "Latest" list, so the home page links to the same articles as before
the boxes existed (discovery counts do not move); what the boxes add is order and place, which front-page history
records. Each box is named the way real markup names one: an ``aria-label``, a block title heading, a heading
holding a category link.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from html import escape

from replica._html import attr, module
from replica.site import ReplicaArticle, ReplicaSite

MOST_READ = 5
SECTION_BLOCK = 4
EMPTY = {"lead": "", "loop_title": "", "section_block": "", "most_read": ""}
"""A category or later page: no boxes."""


def home_boxes(site: ReplicaSite, base: str, shown: list[ReplicaArticle]) -> dict[str, str]:
    """The template's box placeholders for the first home page showing ``shown`` (newest first)."""
    if not shown:
        return dict(EMPTY)
    return {
        "lead": (
            '<section class="td_block_wrap td_block_big_grid_fl_1 tdi_44 td-pb-border-top" aria-label="Top story">'
            f'<div class="td_block_inner td-big-grid-flex">{module(shown[0], site, base)}</div></section>'
        ),
        "loop_title": '<div class="td-block-title-wrap"><h2 class="td-block-title"><span>Latest</span></h2></div>',
        "section_block": _section_block(site, base, shown),
        "most_read": _most_read(site, base, shown),
    }


def _section_block(site: ReplicaSite, base: str, shown: list[ReplicaArticle]) -> str:
    """The section with the most posts on the page, its newest few, under a heading linking the category."""
    slug, _ = Counter(article.section_slug for article in shown).most_common(1)[0]
    posts = [article for article in shown if article.section_slug == slug][:SECTION_BLOCK]
    name = posts[0].section
    modules = "".join(module(article, site, base, excerpt=False) for article in posts)
    return (
        '<div class="td_block_wrap td_flex_block_1 tdi_48 td-pb-border-top td_block_template_1">'
        f'<div class="td-block-title-wrap"><h4 class="td-block-title"><a href="{base}/category/{slug}/" '
        f'class="td-pulldown-size">{escape(name)}</a></h4></div><div class="td_block_inner">{modules}</div></div>'
    )


def _most_read(site: ReplicaSite, base: str, shown: list[ReplicaArticle]) -> str:
    """A stable pick of the page's posts (by a hash of their ids), as a popularity widget would rank them."""
    picked = sorted(shown, key=lambda article: hashlib.sha1(str(article.id).encode()).hexdigest())[:MOST_READ]
    items = "".join(
        f'<li><a href="{base}{site.article_path(article)}" title="{attr(article.title)}">'
        f"{escape(article.title)}</a></li>"
        for article in picked
    )
    return (
        '<aside class="td_block_wrap td_block_popular most-read tdi_52">'
        '<div class="td-block-title-wrap"><h3 class="td-block-title"><span>Most read</span></h3></div>'
        f'<ol class="td-most-read">{items}</ol></aside>'
    )
