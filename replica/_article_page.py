"""The replica's single-post page: tagDiv-Newspaper markup with Yoast head metadata and all the boilerplate."""

from __future__ import annotations

from html import escape

from replica._html import (
    attr,
    author_path,
    human_date,
    json_script,
    layout,
    module,
    person_id,
    template,
    url_q,
)
from replica._theme import LAZY_PLACEHOLDER
from replica.site import SITE_DESCRIPTION, SITE_NAME, ReplicaArticle, ReplicaSite, slugify

_AD_SLOT = (
    '<div class="td-a-rec td-a-rec-id-content_inline tdi_70 td_block_template_1"><div class="td-a-ad id_inline_ad0">'
    '<span class="td-adspot-title">- Advertisement -</span><div class="td-all-devices"><a href="{base}/advertise/">'
    '<img src="{base}/wp-content/uploads/ads/banner-600x90.png" alt="" width="600" height="90"></a></div></div></div>'
)


def render_article(site: ReplicaSite, article: ReplicaArticle, base: str, *, media: str | None = None) -> str:
    """The post's page; ``media``: the host its photo's other sizes and the lazy avatar come from (default ``base``)."""
    url = base + site.article_path(article)
    media = media or base
    page_title = f"{article.title} - {SITE_NAME}"
    main = template("article.html").substitute(
        base=base,
        id=str(article.id),
        url=url,
        url_q=url_q(url),
        title=escape(article.title),
        title_attr=attr(article.title),
        title_q=url_q(article.title),
        section=escape(article.section),
        section_slug=article.section_slug,
        breadcrumb_json=json_script(_breadcrumb(article, base, url)),
        author_url=base + author_path(article.authors[0] if article.authors else SITE_NAME),
        author_text=attr(", ".join(article.authors) or SITE_NAME),
        author_links=_author_links(article, base),
        published_iso=article.published.isoformat(),
        published_human=human_date(article.published),
        image_url=base + article.image_path,
        image_srcset=_srcset(article, base, media),
        media=media,
        lazy_placeholder=LAZY_PLACEHOLDER,
        caption=escape(_caption(article)),
        caption_attr=attr(_caption(article)),
        content=_content(article, base),
        tag_links="".join(f'<li><a href="{base}/tag/{slugify(tag)}/">{escape(tag)}</a></li>' for tag in article.tags),
        related="".join(module(a, site, base, excerpt=False) for a in _others(site, article, 4)),
        sidebar="".join(module(a, site, base, excerpt=False) for a in _others(site, article, 5, start=0)),
    )
    return layout(
        site,
        base,
        title=page_title,
        head=_head(site, article, base, url, page_title),
        main=main,
        body_class=f"post-template-default single single-post postid-{article.id} single-format-standard",
    )


def _srcset(article: ReplicaArticle, base: str, media: str) -> str:
    """WordPress's responsive sizes: the smaller ones from the media host, the full size from the site."""
    stem = article.image_path.removesuffix(".png")
    return f"{media}{stem}-300x200.png 300w, {media}{stem}-768x512.png 768w, {base}{article.image_path} 1200w"


def _caption(article: ReplicaArticle) -> str:
    return f"Photo: {article.authors[0] if article.authors else SITE_NAME}/{SITE_NAME} file photo"


def _author_links(article: ReplicaArticle, base: str) -> str:
    links = [
        f'<a class="tdb-author-name" href="{base}{author_path(name)}">{escape(name)}</a>' for name in article.authors
    ]
    return ' <span class="tdb-author-and">and</span> '.join(links)


def feed_content(article: ReplicaArticle, base: str) -> str:
    """The post content as feeds and the REST API carry it: the page's paragraphs without the ad slot."""
    return _content(article, base, ads=False)


def _content(article: ReplicaArticle, base: str, *, ads: bool = True) -> str:
    """The paragraphs, with inline markup whose text equals the plain paragraph, and an ad slot after the third."""
    parts = []
    for index, text in enumerate(article.paragraphs):
        words = text.split(" ")
        if index == 0 and article.tags and len(words) > 4:
            tag_url = f"{base}/tag/{slugify(article.tags[0])}/"
            inner = f'<a href="{tag_url}">{escape(" ".join(words[:2]))}</a> {escape(" ".join(words[2:]))}'
        elif index == 1 and len(words) > 4:
            inner = f"<strong>{escape(' '.join(words[:3]))}</strong> {escape(' '.join(words[3:]))}"
        else:
            inner = escape(text)
        parts.append(f"<p>{inner}</p>")
        if ads and index == 2 and len(article.paragraphs) > 3:
            parts.append(_AD_SLOT.format(base=base))
    return "\n".join(parts)


def _others(site: ReplicaSite, article: ReplicaArticle, count: int, start: int | None = None) -> list:
    """Other posts for "More articles" (the ones after this one, wrapping) and the sidebar (the newest)."""
    others = [a for a in site.articles if a.id != article.id]
    if not others:
        return []
    if start is None:
        position = next((i for i, a in enumerate(site.articles) if a.id == article.id), 0)
        start = position % len(others)
    return [others[(start + i) % len(others)] for i in range(min(count, len(others)))]


def _head(site: ReplicaSite, article: ReplicaArticle, base: str, url: str, page_title: str) -> str:
    image = base + article.image_path
    authors = ", ".join(article.authors) or SITE_NAME
    lines = [
        "<!-- This site is optimized with the Yoast SEO plugin v22.9 - https://yoast.com/wordpress/plugins/seo/ -->",
        f'<meta name="description" content="{attr(article.summary)}" />',
        '<meta name="robots" content="index, follow, max-snippet:-1, max-image-preview:large, max-video-preview:-1" />',
        f'<link rel="canonical" href="{url}" />',
        '<meta property="og:locale" content="en_US" />',
        '<meta property="og:type" content="article" />',
        f'<meta property="og:title" content="{attr(page_title)}" />',
        f'<meta property="og:description" content="{attr(article.summary)}" />',
        f'<meta property="og:url" content="{url}" />',
        f'<meta property="og:site_name" content="{SITE_NAME}" />',
        '<meta property="article:publisher" content="https://www.facebook.com/KhaamaPress" />',
        f'<meta property="article:published_time" content="{article.published.isoformat()}" />',
    ]
    if article.modified:
        lines.append(f'<meta property="article:modified_time" content="{article.modified.isoformat()}" />')
    lines += [
        f'<meta property="article:section" content="{attr(article.section)}" />',
        *(f'<meta property="article:tag" content="{attr(tag)}" />' for tag in article.tags),
        f'<meta property="og:image" content="{image}" />',
        '<meta property="og:image:width" content="1200" />',
        '<meta property="og:image:height" content="800" />',
        '<meta property="og:image:type" content="image/png" />',
        f'<meta name="author" content="{attr(authors)}" />',
        '<meta name="twitter:card" content="summary_large_image" />',
        '<meta name="twitter:creator" content="@khaamapress" />',
        '<meta name="twitter:site" content="@khaamapress" />',
        '<meta name="twitter:label1" content="Written by" />',
        f'<meta name="twitter:data1" content="{attr(authors)}" />',
        '<meta name="twitter:label2" content="Est. reading time" />',
        f'<meta name="twitter:data2" content="{_reading_minutes(article)} minutes" />',
        '<script type="application/ld+json" class="yoast-schema-graph">'
        f"{json_script(_graph(article, base, url))}</script>",
        "<!-- / Yoast SEO plugin. -->",
    ]
    return "\n".join("    " + line for line in lines)


def _reading_minutes(article: ReplicaArticle) -> int:
    return max(1, round(len(article.body.split()) / 200))


def _graph(article: ReplicaArticle, base: str, url: str) -> dict:
    """Yoast's schema graph: Article, WebPage, ImageObject, BreadcrumbList, WebSite, Organization, Persons."""
    image = base + article.image_path
    dates = {"datePublished": article.published.isoformat()}
    if article.modified:
        dates["dateModified"] = article.modified.isoformat()
    authors = [{"name": name, "@id": person_id(base, name)} for name in article.authors]
    article_node = {
        "@type": article.json_ld_type,
        "@id": f"{url}#article",
        "isPartOf": {"@id": url},
        "author": authors[0] if len(authors) == 1 else authors,
        "headline": article.title,
        **dates,
        "mainEntityOfPage": {"@id": url},
        "wordCount": len(article.body.split()),
        "commentCount": 0,
        "publisher": {"@id": f"{base}/#organization"},
        "image": {"@id": f"{url}#primaryimage"},
        "thumbnailUrl": image,
        "keywords": list(article.tags),
        "articleSection": [article.section],
        "inLanguage": "en-US",
        "potentialAction": [{"@type": "CommentAction", "name": "Comment", "target": [f"{url}#respond"]}],
    }
    webpage = {
        "@type": "WebPage",
        "@id": url,
        "url": url,
        "name": f"{article.title} - {SITE_NAME}",
        "isPartOf": {"@id": f"{base}/#website"},
        "primaryImageOfPage": {"@id": f"{url}#primaryimage"},
        "image": {"@id": f"{url}#primaryimage"},
        "thumbnailUrl": image,
        **dates,
        "description": article.summary,
        "breadcrumb": {"@id": f"{url}#breadcrumb"},
        "inLanguage": "en-US",
        "potentialAction": [{"@type": "ReadAction", "target": [url]}],
    }
    return {"@context": "https://schema.org", "@graph": [article_node, webpage, *_site_nodes(article, base, url)]}


def _site_nodes(article: ReplicaArticle, base: str, url: str) -> list[dict]:
    image = base + article.image_path
    breadcrumb = _breadcrumb(article, base, url)
    breadcrumb.pop("@context")
    breadcrumb["@id"] = f"{url}#breadcrumb"
    nodes = [
        {
            "@type": "ImageObject",
            "inLanguage": "en-US",
            "@id": f"{url}#primaryimage",
            "url": image,
            "contentUrl": image,
            "width": 1200,
            "height": 800,
        },
        breadcrumb,
        {
            "@type": "WebSite",
            "@id": f"{base}/#website",
            "url": f"{base}/",
            "name": SITE_NAME,
            "description": SITE_DESCRIPTION,
            "publisher": {"@id": f"{base}/#organization"},
            "potentialAction": [
                {
                    "@type": "SearchAction",
                    "target": {"@type": "EntryPoint", "urlTemplate": f"{base}/?s={{search_term_string}}"},
                    "query-input": "required name=search_term_string",
                }
            ],
            "inLanguage": "en-US",
        },
        {
            "@type": "Organization",
            "@id": f"{base}/#organization",
            "name": SITE_NAME,
            "url": f"{base}/",
            "logo": {"@type": "ImageObject", "url": f"{base}/wp-content/uploads/2019/06/khaama-logo.png"},
            "sameAs": ["https://www.facebook.com/KhaamaPress", "https://x.com/khaamapress"],
        },
    ]
    for name in article.authors:
        nodes.append({"@type": "Person", "@id": person_id(base, name), "name": name, "url": base + author_path(name)})
    return nodes


def _breadcrumb(article: ReplicaArticle, base: str, url: str) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "item": {"@type": "WebSite", "@id": f"{base}/", "name": "Home"}},
            {
                "@type": "ListItem",
                "position": 2,
                "item": {
                    "@type": "WebPage",
                    "@id": f"{base}/category/{article.section_slug}/",
                    "name": article.section,
                },
            },
            {"@type": "ListItem", "position": 3, "item": {"@type": "WebPage", "@id": url, "name": article.title}},
        ],
    }
