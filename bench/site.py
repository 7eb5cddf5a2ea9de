"""A synthetic WordPress publisher for benchmarks: N article pages of 55-90 KB, feed, sitemaps, as static files.

Usage: ``python bench/site.py FOLDER --pages N --base-url http://127.0.0.1:PORT`` (prints the folder's summary).
Pages are the replica publisher's (``replica``: JSON-LD, OpenGraph, Khaama's boilerplate), padded with a
theme's inline CSS and a "popular posts" footer widget to the sizes of real WordPress pages. Every file also has a
``.gz`` twin (gzip level 6, what publishers' servers send), for nginx's ``gzip_static`` or ``bench/server.py``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from replica import ReplicaRouter, ReplicaSite, Resource

MIN_PAGE = 55_000
MAX_PAGE = 90_000
SITE_DAY = date(2024, 7, 13)
"""The date bar's day, fixed so a generated folder never changes (and can be reused)."""
LISTING_DEPTH = 2
"""How far the spider follows the home page's pagination."""
MARKER = "bench-site.json"
_LOC = re.compile(r"<loc>([^<]+)</loc>")
_PAGINATION = re.compile(r'href="https?://[^/"]+(/page/\d+/)"')


@dataclass(frozen=True)
class SiteFiles:
    """A generated site: where it is, for which base URL, and what it holds."""

    folder: str
    base_url: str
    articles: int
    seed: int
    article_urls: int
    files: int
    html_bytes: int
    gzip_bytes: int

    @property
    def mean_page_kb(self) -> float:
        return self.html_bytes / max(1, self.articles) / 1000

    @property
    def sitemap_index(self) -> str:
        return f"{self.base_url}/sitemap_index.xml"


def generate(folder: Path, articles: int, base_url: str, *, seed: int = 1) -> SiteFiles:
    """Write the site into ``folder`` (reused as is when it already holds the same site)."""
    base_url = base_url.rstrip("/")
    existing = load(folder)
    if existing and (existing.articles, existing.base_url, existing.seed) == (articles, base_url, seed):
        return existing
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    site = ReplicaSite(n_articles=articles, seed=seed, today=SITE_DAY)
    router = ReplicaRouter(site, base_url)
    rng = random.Random(seed)
    article_paths = {site.article_path(article) for article in site.articles}
    html_bytes = gzip_bytes = files = 0
    for target in _targets(site, router):
        resource = router.resolve(target)
        if not isinstance(resource, Resource) or resource.status != 200:
            continue
        body = resource.body
        if target in article_paths:
            body = pad_page(body, rng, site, base_url)
            html_bytes += len(body)
        gzip_bytes += _write(folder, target, body)
        files += 1
    files_info = SiteFiles(str(folder), base_url, articles, seed, len(site.articles), files, html_bytes, gzip_bytes)
    (folder / MARKER).write_text(json.dumps(asdict(files_info)), encoding="utf-8")
    return files_info


def load(folder: Path) -> SiteFiles | None:
    """The site already generated in ``folder``, if any."""
    try:
        return SiteFiles(**json.loads((folder / MARKER).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _targets(site: ReplicaSite, router: ReplicaRouter) -> list[str]:
    """Every URL the spider's discovery reaches: robots, feed, sitemap index and children, listings, articles."""
    targets = ["/robots.txt", "/feed/", "/sitemap_index.xml"]
    index = router.resolve("/sitemap_index.xml")
    assert isinstance(index, Resource)
    targets += [urlsplit(loc).path for loc in _LOC.findall(index.body.decode("utf-8"))]
    targets += _listings(router)
    targets += [site.article_path(article) for article in site.articles]
    return targets


def _listings(router: ReplicaRouter) -> list[str]:
    """The home page and the pagination pages the spider reaches from it (it follows them two levels deep)."""
    found, frontier = ["/"], ["/"]
    for _ in range(LISTING_DEPTH):
        following = []
        for target in frontier:
            page = router.resolve(target)
            assert isinstance(page, Resource)
            for path in _PAGINATION.findall(page.body.decode("utf-8")):
                if path not in found:
                    found.append(path)
                    following.append(path)
        frontier = following
    return found


def _write(folder: Path, target: str, body: bytes) -> int:
    """``/a/`` → ``a/index.html`` (``/feed/`` → ``feed/index.xml``), with a ``.gz`` twin; returns the gzip size."""
    relative = target.lstrip("/")
    if not relative or relative.endswith("/"):
        relative += "index.xml" if relative.startswith("feed/") else "index.html"
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    packed = gzip.compress(body, compresslevel=6, mtime=0)
    path.with_name(path.name + ".gz").write_bytes(packed)
    return len(packed)


def pad_page(html: bytes, rng: random.Random, site: ReplicaSite, base_url: str) -> bytes:
    """Grow a page to a size drawn from 55-90 KB: a theme's inline CSS in the head, a popular-posts widget at the
    end of the body (what WordPress themes add; extraction must ignore both)."""
    missing = rng.randint(MIN_PAGE, MAX_PAGE) - len(html)
    if missing <= 0:
        return html
    css = _inline_css(rng, missing * 2 // 5)
    widget = _popular_posts(rng, site, base_url, missing - len(css))
    html = html.replace(b"</head>", css + b"\n</head>", 1)
    return html.replace(b"</body>", widget + b"\n</body>", 1)


def _inline_css(rng: random.Random, size: int) -> bytes:
    rules = []
    total = 0
    while total < size:
        block = rng.randint(1000, 99999)
        rule = (
            f".td_block_wrap.tdi_{block} .td-module-title a{{color:#{rng.randrange(0x1000000):06x};"
            f"font-size:{rng.randint(11, 28)}px;line-height:1.{rng.randint(1, 9)}}}"
            f"@media (max-width:{rng.choice((767, 1018, 1140))}px)"
            f"{{.tdi_{block}{{margin-bottom:{rng.randint(0, 48)}px}}}}"
        )
        rules.append(rule)
        total += len(rule)
    return ('<style id="td-theme-inline-css" type="text/css">' + "".join(rules) + "</style>").encode()


def _popular_posts(rng: random.Random, site: ReplicaSite, base_url: str, size: int) -> bytes:
    parts = ['<aside class="td_block_wrap td_block_popular widget"><div class="td-block-title-wrap">'
             '<h4 class="td-block-title"><span>Popular</span></h4></div><div class="td_block_inner">']  # fmt: skip
    total = 0
    while total < size:
        other = rng.choice(site.articles)
        url = f"{base_url}{site.article_path(other)}"
        entry = (
            f'<div class="td_module_flex td_module_flex_1 td_module_wrap td-animation-stack">'
            f'<div class="td-module-container td-category-pos-image"><div class="td-image-container">'
            f'<div class="td-module-thumb"><a href="{url}" rel="bookmark" class="td-image-wrap " title="">'
            f'<span class="entry-thumb td-thumb-css" data-type="css_image" data-img-url="{base_url}'
            f'{other.image_path}"></span></a></div></div><div class="td-module-meta-info">'
            f'<p class="entry-title td-module-title"><a href="{url}" rel="bookmark">{other.title}</a></p>'
            f'<span class="td-author-name">{other.authors[0] if other.authors else ""}</span></div></div></div>'
        )
        parts.append(entry)
        total += len(entry)
    parts.append("</div></aside>")
    return "".join(parts).encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--pages", type=int, default=5000, help="articles (default 5000)")
    parser.add_argument("--base-url", default="http://127.0.0.1:8431", help="where the site will be served")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    started = time.monotonic()
    files = generate(args.folder, args.pages, args.base_url, seed=args.seed)
    print(
        f"{files.articles} articles, {files.files} files in {files.folder} ({time.monotonic() - started:.1f} s); "
        f"mean article page {files.mean_page_kb:.1f} KB, {files.gzip_bytes / max(1, files.files) / 1000:.1f} KB "
        f"gzipped; sitemap index {files.sitemap_index}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
