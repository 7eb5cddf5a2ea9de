"""Front-page bench: CPU of reading a page's ranked links and boxes vs the link listing every listing already pays,
and what unchanged and changed captures add to the database.

Usage: ``python bench/frontpage.py [--captures 500]``. The pages: the replica's home page and the real pages of
``../shared/eval/article-extraction-dev`` (news pages full of boxes: menus, "most read", related stories). Each is
parsed once; ``links.page_links`` (what ``parse_listing`` runs on every listing) and
``frontpage.article_links`` are timed on it. Then ``--captures`` unchanged captures of one front page are stored,
and as many that each change one headline, and the rows and bytes each kind adds are counted. The last line:
``pages=… listing_ms=… front_ms=… front_ratio=… boxed=… unchanged_rows=… unchanged_bytes=… changed_bytes=…``.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from parsel import Selector

from bench.harness import bench_database, key_values, median
from crawler.discovery import links
from crawler.discovery.frontpage import FrontPage, article_links
from crawler.storage.frontpages import FrontPageStore
from replica import ReplicaSite, render_home

EVAL = Path("/work/shared/eval/article-extraction-dev/html")
"""As ``bench/extraction.py`` finds the evaluation data; ``--pages`` names another folder of ``*.html.gz``."""
REPLICA = "http://127.0.0.1:8000/"
TABLES = ("front_pages", "front_page_link_sets", "front_page_links")
ROUNDS = 5


def pages(folder: Path) -> list[tuple[str, str]]:
    """(URL, HTML) of the replica's home page and of each real page (its URL from ``../ground-truth.json``)."""
    found = [(REPLICA, render_home(ReplicaSite(), REPLICA.rstrip("/"), 1))]
    truth = folder.parent / "ground-truth.json"
    urls = {key: value.get("url") for key, value in json.loads(truth.read_text()).items()} if truth.is_file() else {}
    for path in sorted(folder.glob("*.html.gz")):
        url = urls.get(path.name.removesuffix(".html.gz")) or "https://news.example/"
        found.append((url, gzip.decompress(path.read_bytes()).decode("utf-8", "replace")))
    return found


def time_parsing(samples: list[tuple[str, str]]) -> tuple[float, float, int, int]:
    """Median over rounds of total ms for page_links and article_links; article links found, boxed ones."""
    selectors = [(url, Selector(text=html)) for url, html in samples]
    listing, front = [], []
    found = boxed = 0
    for _ in range(ROUNDS):
        start = time.process_time()
        for url, selector in selectors:
            links.page_links(selector, url)
        listing.append(time.process_time() - start)
        start = time.process_time()
        found = boxed = 0
        for url, selector in selectors:
            ranked = article_links(selector, url, lambda link, page=url: links.is_article_link(link, page, (), None))
            found += len(ranked)
            boxed += sum(link.box is not None for link in ranked)
        front.append(time.process_time() - start)
    return median(listing) * 1000, median(front) * 1000, found, boxed


def storage(url: str, captures: int) -> dict[str, float]:
    """Rows and bytes per capture: unchanged ones (same links) and changed ones (one headline edited each)."""
    home = render_home(ReplicaSite(), REPLICA.rstrip("/"), 1)
    base = article_links(Selector(text=home), REPLICA, lambda link: links.is_article_link(link, REPLICA, (), None))
    t0 = datetime(2024, 7, 13, tzinfo=UTC)
    with psycopg.connect(url, autocommit=True) as conn:
        store = FrontPageStore(conn)
        store.store_many([FrontPage("bench", REPLICA, t0, "<urn:uuid:first>", tuple(base))])
        result = {}
        for kind in ("unchanged", "changed"):
            rows, size = _footprint(conn)
            for n in range(captures):
                shown = tuple(base)
                if kind == "changed":
                    shown = (dataclasses.replace(base[0], text=f"{base[0].text} ({n})"), *base[1:])
                at = t0 + timedelta(minutes=30 * (n + 1 + (captures if kind == "changed" else 0)))
                store.store_many([FrontPage("bench", REPLICA, at, f"<urn:uuid:{kind}-{n}>", shown)])
            after_rows, after_size = _footprint(conn)
            result[f"{kind}_rows"] = (after_rows - rows) / captures
            result[f"{kind}_bytes"] = (after_size - size) / captures
    return result


def _footprint(conn: psycopg.Connection) -> tuple[int, int]:
    conn.execute("VACUUM (ANALYZE) front_pages, front_page_link_sets, front_page_links")
    rows = sum(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES)
    size = sum(conn.execute("SELECT pg_total_relation_size(%s)", [table]).fetchone()[0] for table in TABLES)
    return rows, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=500)
    parser.add_argument("--pages", type=Path, default=EVAL)
    args = parser.parse_args(argv)
    samples = pages(args.pages)
    listing_ms, front_ms, found, boxed = time_parsing(samples)
    print(f"{len(samples)} pages: page_links {listing_ms / len(samples):.2f} ms/page, "
          f"article_links {front_ms / len(samples):.2f} ms/page ({front_ms / listing_ms:.2f}x); "
          f"{found} article links, {boxed / max(found, 1):.0%} with a box")  # fmt: skip
    with bench_database() as url:
        stored = storage(url, args.captures)
    print(f"per unchanged capture: {stored['unchanged_rows']:.2f} rows, {stored['unchanged_bytes']:.0f} bytes; "
          f"per changed capture: {stored['changed_rows']:.2f} rows, {stored['changed_bytes']:.0f} bytes")  # fmt: skip
    summary = {
        "pages": len(samples),
        "listing_ms": f"{listing_ms / len(samples):.2f}",
        "front_ms": f"{front_ms / len(samples):.2f}",
        "front_ratio": f"{front_ms / listing_ms:.2f}",
        "boxed": f"{boxed / max(found, 1):.2f}",
        "unchanged_rows": f"{stored['unchanged_rows']:.2f}",
        "unchanged_bytes": f"{stored['unchanged_bytes']:.0f}",
        "changed_bytes": f"{stored['changed_bytes']:.0f}",
    }
    print(key_values(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
