"""Reading-room benchmark: p50/p95 of search and listing requests over many seeded articles.

Usage: ``python bench/web.py [--articles 100000] [--requests 200] [--quick]``, into a throwaway PostgreSQL database.
Articles are seeded in SQL (words drawn from a fixed vocabulary, 150-word bodies, one source in ten sections) so
the indexes the app relies on are exercised at size. The last line:
``web_search_p50_ms=… web_search_p95_ms=… web_list_p50_ms=… web_list_p95_ms=… articles=…``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from starlette.testclient import TestClient

from bench.harness import bench_database, key_values
from crawler.storage import reading
from crawler.storage.database import connect
from scheduler.web import create_app
from scheduler.web.pool import Database

QUICK_ARTICLES = 10_000
VOCABULARY = 2_000

SEED_SQL = """
WITH words AS (SELECT array_agg('w' || n) AS w FROM generate_series(1, %(vocabulary)s) n),
rec AS (
    INSERT INTO article_records (url, source, first_seen_at, last_seen_at)
    SELECT 'https://bench.example/a/' || n, 'bench', now() - n * interval '1 minute', now()
    FROM generate_series(1, %(articles)s) n
    RETURNING id, url
)
INSERT INTO article_versions (article_id, version, fetched_url, content_hash, title, authors, published_at,
                              section, language, body, seen_at)
SELECT rec.id, 1, rec.url, md5(rec.url),
       (SELECT string_agg(w[1 + floor(random() * %(vocabulary)s)::int + 0 * g], ' ') FROM generate_series(1, 8) g),
       ARRAY['Author ' || (rec.id %% 50)], now() - rec.id * interval '1 minute', 'Section ' || (rec.id %% 10), 'en',
       (SELECT string_agg(w[1 + floor(random() * %(vocabulary)s)::int + 0 * g], ' ')
        FROM generate_series(1, 150) g),
       now()
FROM rec, words
"""


def seed(url: str, articles: int) -> float:
    """Insert ``articles`` articles; the seconds it took (index maintenance included)."""
    started = time.perf_counter()
    with connect(url, autocommit=True) as conn:
        conn.execute(SEED_SQL, {"articles": articles, "vocabulary": VOCABULARY})
        conn.execute("ANALYZE article_records")
        conn.execute("ANALYZE article_versions")
    return time.perf_counter() - started


def timings(client: TestClient, paths: Sequence[str]) -> list[float]:
    """Milliseconds per request, each checked to succeed."""
    out = []
    for path in paths:
        started = time.perf_counter()
        answer = client.get(path)
        out.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"{path}: {answer.status_code} {answer.text[:200]}")
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


class _Recorder:
    """A ``reading.Reader`` that keeps the statements a query function would run (it runs only the first)."""

    def __init__(self, database: Database) -> None:
        self.database, self.statements = database, []

    def fetch(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        self.statements.append((sql, params or {}))
        if len(self.statements) == 1:  # the query parse: its result is the next statements' parameter
            return self.database.fetch(sql, params)
        return [{"facets": [], "url": None, "sort_at": None, "sort_id": None}]  # lets search and articles finish


def explain(url: str, word: str = "w7") -> str:
    """EXPLAIN ANALYZE of one search (page and facets in one statement) and of listing page 40."""
    database = Database(url)
    database.open()
    try:
        recorder = _Recorder(database)
        filters = {"q": word, "source": None, "section": None, "author": None, "since": None, "until": None}
        filters["query"] = reading.tsquery(recorder, word)
        reading.search(recorder, filters, sort="rank", number=1, size=25)
        reading.articles(recorder, source=None, number=40, size=25)
    finally:
        database.close()
    out = []
    with connect(url) as conn:
        for sql, params in recorder.statements[1:]:
            out.extend(row[0] for row in conn.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params))
            out.append("")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ARTICLES} articles, 50 requests")
    args = parser.parse_args(argv)
    articles, requests = (QUICK_ARTICLES, 50) if args.quick else (args.articles, args.requests)
    rng = random.Random(1)
    with bench_database() as url:
        print(f"seeded {articles} articles in {seed(url, articles):.1f} s", flush=True)
        with TestClient(create_app(url)) as client:
            timings(client, ["/search?q=w1", "/articles"])  # warm the pool and caches
            searches = timings(client, [f"/search?q=w{rng.randint(1, VOCABULARY)}" for _ in range(requests)])
            lists = timings(client, [f"/articles?page={rng.randint(1, 40)}" for _ in range(requests)])
        print(explain(url), flush=True)  # after the requests: the plans as the served queries ran them
    print(
        key_values(
            {
                "web_search_p50_ms": f"{statistics.median(searches):.1f}",
                "web_search_p95_ms": f"{p95(searches):.1f}",
                "web_list_p50_ms": f"{statistics.median(lists):.1f}",
                "web_list_p95_ms": f"{p95(lists):.1f}",
                "articles": articles,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
