"""The replica's WordPress feeds: RSS 2.0 (site and category, ``?paged=N``) and Atom, newest first."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape

from replica._article_page import feed_content
from replica.site import PER_PAGE, SITE_DESCRIPTION, SITE_NAME, ReplicaArticle, ReplicaSite

_RSS_HEAD = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
\txmlns:wfw="http://wellformedweb.org/CommentAPI/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:atom="http://www.w3.org/2005/Atom"
\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
\txmlns:slash="http://purl.org/rss/1.0/modules/slash/"
\t>

<channel>
\t<title>{title}</title>
\t<atom:link href="{self_url}" rel="self" type="application/rss+xml" />
\t<link>{link}</link>
\t<description>{description}</description>
\t<lastBuildDate>{build_date}</lastBuildDate>
\t<language>en-US</language>
\t<sy:updatePeriod>
\thourly\t</sy:updatePeriod>
\t<sy:updateFrequency>
\t1\t</sy:updateFrequency>
\t<generator>https://wordpress.org/?v=6.5.5</generator>
"""


def rss_date(value: datetime) -> str:
    """RFC 822 in GMT with a numeric zone, as WordPress writes ``pubDate``."""
    return format_datetime(value.astimezone(UTC)).replace("-0000", "+0000")


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def feed_page(articles: list[ReplicaArticle], paged: int) -> list[ReplicaArticle]:
    """The posts of feed page ``paged`` (past the end: none; WordPress then serves an empty channel)."""
    return articles[(paged - 1) * PER_PAGE : paged * PER_PAGE] if paged >= 1 else []


def render_rss(site: ReplicaSite, base: str, *, section_slug: str | None = None, paged: int = 1) -> str:
    if section_slug:
        articles = site.in_section(section_slug)
        name = site.sections()[section_slug]
        title, link = f"{escape(name)} Archives - {SITE_NAME}", f"{base}/category/{section_slug}/"
        self_url = f"{link}feed/"
    else:
        articles, title, link, self_url = site.articles, SITE_NAME, base, f"{base}/feed/"
    newest = max((a.last_modified for a in articles), default=site.last_modified())
    parts = [
        _RSS_HEAD.format(
            title=title, self_url=self_url, link=link, description=SITE_DESCRIPTION, build_date=rss_date(newest)
        )
    ]
    parts += [_rss_item(site, base, article) for article in feed_page(articles, paged)]
    parts.append("\t</channel>\n</rss>\n")
    return "".join(parts)


def _rss_item(site: ReplicaSite, base: str, article: ReplicaArticle) -> str:
    url = base + site.article_path(article)
    creators = "".join(f"\t\t<dc:creator>{_cdata(name)}</dc:creator>\n" for name in article.authors)
    categories = "".join(f"\t\t<category>{_cdata(name)}</category>\n" for name in [article.section, *article.tags])
    return (
        "\t<item>\n"
        f"\t\t<title>{escape(article.title, quote=False)}</title>\n"
        f"\t\t<link>{url}</link>\n"
        f"\t\t<comments>{url}#respond</comments>\n"
        f"{creators}"
        f"\t\t<pubDate>{rss_date(article.published)}</pubDate>\n"
        f"{categories}"
        f'\t\t<guid isPermaLink="false">{base}/?p={article.id}</guid>\n'
        f"\t\t<description>{_cdata(escape(article.summary, quote=False) + ' [&#8230;]')}</description>\n"
        f"\t\t<content:encoded>{_cdata(feed_content(article, base))}</content:encoded>\n"
        f"\t\t<wfw:commentRss>{url}feed/</wfw:commentRss>\n"
        "\t\t<slash:comments>0</slash:comments>\n"
        "\t</item>\n"
    )


def render_atom(site: ReplicaSite, base: str) -> str:
    """``/feed/atom/``: the newest page of posts as Atom 1.0."""
    entries = []
    for article in feed_page(site.articles, 1):
        url = base + site.article_path(article)
        authors = "".join(f"\t\t<author>\n\t\t\t<name>{escape(n)}</name>\n\t\t</author>\n" for n in article.authors)
        entries.append(
            "\t<entry>\n"
            f"{authors}"
            f'\t\t<title type="html">{_cdata(article.title)}</title>\n'
            f'\t\t<link rel="alternate" type="text/html" href="{url}" />\n'
            f"\t\t<id>{base}/?p={article.id}</id>\n"
            f"\t\t<updated>{article.last_modified.isoformat()}</updated>\n"
            f"\t\t<published>{article.published.isoformat()}</published>\n"
            f'\t\t<category scheme="{base}" term="{escape(article.section)}" />\n'
            f'\t\t<summary type="html">{_cdata(escape(article.summary, quote=False))}</summary>\n'
            f'\t\t<content type="html" xml:base="{url}">{_cdata(feed_content(article, base))}</content>\n'
            "\t</entry>\n"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed\n\txmlns="http://www.w3.org/2005/Atom"\n'
        '\txmlns:thr="http://purl.org/syndication/thread/1.0"\n\txml:lang="en-US"\n\t>\n'
        f'\t<title type="text">{SITE_NAME}</title>\n\t<subtitle type="text">{SITE_DESCRIPTION}</subtitle>\n'
        f"\t<updated>{site.last_modified().isoformat()}</updated>\n"
        f'\t<link rel="alternate" type="text/html" href="{base}/" />\n\t<id>{base}/feed/atom/</id>\n'
        f'\t<link rel="self" type="application/atom+xml" href="{base}/feed/atom/" />\n'
        '\t<generator uri="https://wordpress.org/" version="6.5.5">WordPress</generator>\n'
        + "".join(entries)
        + "</feed>\n"
    )
