"""The fleet's synthetic publishers: one static folder of thousands of tiny sites (by path prefix) and their config.

Each publisher ``p<N>`` is a home page and an RSS feed under ``/p<N>/``, with one article to begin with; nginx
(or the Python fallback of :mod:`bench.server`) serves them with Last-Modified, so an unchanged run is answered 304
on its feed and home page. ``publish`` adds an article to some publishers between rounds: "new articles for some".
The whole host shares one ``robots.txt`` (no sitemaps: the crawler then tries the two WordPress sitemap indexes,
which answer 404), so a run asks for what a small WordPress site answers: robots, two sitemaps, feed, home page.
"""

from __future__ import annotations

import os
from pathlib import Path

ROBOTS = "User-agent: *\nAllow: /\n"
HOME = (
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>Publisher {n}</title></head><body>"
    "<h1>Publisher {n}</h1><ul>{items}</ul></body></html>"
)
HOME_ITEM = '<li><a href="{url}">Story {k} of publisher {n}</a></li>'
ARTICLE = (
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>Story {k} of publisher {n}</title>"
    '<meta property="article:published_time" content="2026-01-{day:02d}T08:00:00Z"></head><body><article>'
    "<h1>Story {k} of publisher {n}</h1><p class=byline>By A. Writer</p>{paragraphs}</article></body></html>"
)
PARAGRAPH = "<p>Paragraph {i} of story {k} from publisher {n}: the council met and decided several things.</p>"
FEED = (
    '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Publisher {n}</title>'
    "<link>{base}/</link><description>News</description>{items}</channel></rss>"
)
FEED_ITEM = (
    "<item><title>Story {k} of publisher {n}</title><link>{url}</link><guid>{url}</guid>"
    "<pubDate>Mon, {day:02d} Jan 2026 08:00:00 GMT</pubDate></item>"
)


def publisher_name(index: int) -> str:
    return f"p{index:06d}"


def generate(root: Path, count: int, base_url: str) -> None:
    """``count`` publishers with one article each under ``root`` (a folder nginx serves at ``base_url``)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "robots.txt").write_text(ROBOTS, encoding="utf-8")
    for index in range(count):
        _write_publisher(root, index, base_url, articles=1)


def publish(root: Path, indexes: list[int], base_url: str) -> None:
    """One more article on each publisher of ``indexes`` (its feed and home page change with it)."""
    for index in indexes:
        folder = root / publisher_name(index)
        articles = sum(1 for path in folder.iterdir() if path.name.startswith("story-")) + 1
        _write_publisher(root, index, base_url, articles=articles)


def _write_publisher(root: Path, index: int, base_url: str, articles: int) -> None:
    name = publisher_name(index)
    folder = root / name
    folder.mkdir(exist_ok=True)
    base = f"{base_url}/{name}"
    urls = [f"{base}/story-{k}.html" for k in range(1, articles + 1)]
    for k in range(1, articles + 1):
        path = folder / f"story-{k}.html"
        if not path.exists():
            paragraphs = "".join(PARAGRAPH.format(i=i, k=k, n=index) for i in range(1, 6))
            path.write_text(ARTICLE.format(k=k, n=index, day=k % 28 + 1, paragraphs=paragraphs), encoding="utf-8")
    newest_first = list(enumerate(urls, 1))[::-1]
    home_items = "".join(HOME_ITEM.format(url=url, k=k, n=index) for k, url in newest_first)
    feed_items = "".join(FEED_ITEM.format(url=url, k=k, n=index, day=k % 28 + 1) for k, url in newest_first)
    _replace(folder / "index.html", HOME.format(n=index, items=home_items))
    _replace(folder / "feed.xml", FEED.format(n=index, base=base, items=feed_items))


def _replace(path: Path, text: str) -> None:
    """Write through a temporary name, so the server never serves half a file."""
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def config_text(url: str, data_dir: Path, names: list[str], base_url: str, schedule: str, concurrency: int) -> str:
    """A ``newsarchive.toml`` in queue mode with one ``[[sources]]`` table per publisher, all on ``schedule``."""
    head = (
        f'[database]\nurl = "{url}"\n[storage]\ndata_dir = "{data_dir}"\n[scheduler]\nmode = "queue"\n'
        f'[metrics]\nlisten = ""\n[worker]\nconcurrency = {concurrency}\n'
        '[[sources]]\nname = "khaama"\nenabled = false\nfeeds = ["https://www.khaama.com/feed/"]\n'
    )
    body = "".join(
        f'[[sources]]\nname = "{name}"\nschedule = "{schedule}"\nstart_urls = ["{base_url}/{name}/"]\n'
        f'feeds = ["{base_url}/{name}/feed.xml"]\nallowed_domains = ["127.0.0.1"]\ndownload_delay = "0s"\n'
        "recheck = []\n"
        for name in names
    )
    return head + body
