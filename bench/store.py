"""Store benchmark: article rows/s through ``ArticleStore.store_many`` (new, unchanged re-crawl, changed).

Usage: ``python bench/store.py [--articles 5000] [--batch 500] [--quick]``, into a throwaway PostgreSQL database.
Articles are the synthetic site's (``replica``), as extraction records them. The last line:
``store_new_rows_s=… store_unchanged_rows_s=… store_changed_rows_s=… batch=…``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import bench_database, key_values
from bench.server import exit_on_sigterm
from crawler.extract.article import Article
from crawler.items import ArticleItem
from crawler.storage.articles import ArticleStore, StoreCounts
from crawler.storage.database import connect
from replica import ReplicaSite

BASE = "https://bench.example/"
FIRST_SEEN = datetime(2024, 7, 13, 6, 0, tzinfo=UTC)
QUICK_ARTICLES = 1000


def article_items(count: int, seen_at: datetime) -> list[ArticleItem]:
    """One item per synthetic article, as a crawl would store it (body: the paragraphs, a few KB)."""
    site = ReplicaSite(n_articles=count)
    items = []
    for number, post in enumerate(site.articles[:count]):
        url = BASE + site.article_path(post).lstrip("/")
        article = Article(
            url=url,
            title=post.title,
            authors=tuple(post.authors),
            published_at=post.published,
            modified_at=post.modified,
            section=post.section,
            tags=tuple(post.tags),
            language=post.language,
            summary=post.summary,
            body=post.body,
            image_url=BASE + post.image_path.lstrip("/"),
            extractor="fast/1",
        )
        record_id = f"<urn:uuid:00000000-0000-4000-8000-{number:012d}>"
        items.append(ArticleItem(article, "bench", url, record_id, seen_at + timedelta(milliseconds=number)))
    return items


def timed(store: ArticleStore, items: Sequence[ArticleItem], batch: int) -> tuple[float, StoreCounts]:
    """Seconds to store ``items`` in batches of ``batch``, and what they did."""
    counts = StoreCounts()
    started = time.perf_counter()
    for start in range(0, len(items), batch):
        counts = counts + store.store_many(items[start : start + batch])
    return time.perf_counter() - started, counts


def later(items: Sequence[ArticleItem], hours: int, change: Callable[[Article], Article] | None = None) -> list:
    """The same captures re-crawled ``hours`` later (new record ids), their articles changed by ``change``."""
    return [
        replace(
            item,
            article=change(item.article) if change else item.article,
            warc_record_id=item.warc_record_id.replace("-8000-", f"-{8000 + hours}-") if item.warc_record_id else None,
            seen_at=item.seen_at + timedelta(hours=hours),
        )
        for item in items
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, help=f"default 5000; --quick: {QUICK_ARTICLES}")
    parser.add_argument("--batch", type=int, default=500, help="articles per store_many (the pipeline's default)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    count = args.articles or (QUICK_ARTICLES if args.quick else 5000)
    items = article_items(count, FIRST_SEEN)
    scenarios = {
        "new": items,
        "unchanged": later(items, 1),
        "changed": later(items, 2, lambda article: replace(article, body=(article.body or "") + "\nCorrection.")),
    }
    rates: dict[str, float] = {}
    with bench_database() as url, connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO sources (name, title, config) VALUES ('bench', 'bench', '{}'::jsonb)")
        store = ArticleStore(conn)
        for name, batch_items in scenarios.items():
            seconds, counts = timed(store, batch_items, args.batch)
            rates[name] = len(batch_items) / seconds
            print(
                f"{name:<10} {len(batch_items):6d} articles in {seconds:6.2f} s: {rates[name]:8.0f} rows/s "
                f"(new {counts.new}, updated {counts.updated}, unchanged {counts.unchanged}; batch {args.batch})"
            )
    print(
        key_values(
            {
                "store_new_rows_s": rates["new"],
                "store_unchanged_rows_s": rates["unchanged"],
                "store_changed_rows_s": rates["changed"],
                "batch": args.batch,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
