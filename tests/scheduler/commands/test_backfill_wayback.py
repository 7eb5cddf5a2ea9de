"""``backfill --wayback``: articles the publisher took down, imported from a Wayback Machine of our own, tagged."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from replica import ReplicaArticle, ReplicaSite, render_article
from tests.scheduler.commands._archive import archive_dir, empty_database, rebuilt_config
from tests.support.cli import query, replica_source_toml, run_cli, write_config

TAKEN_DOWN = 3
CDX_PAGE = 4
"""Rows per CDX answer: the import must follow the resume keys."""


class FakeWayback:
    """``/cdx/search/cdx`` (JSON, paged by resume key) and ``/web/<ts>id_/<url>`` for a list of captures."""

    def __init__(self, captures: list[tuple[str, str, bytes | None]]) -> None:
        self.captures = captures  # (timestamp, original URL, raw page or None when not an article page)
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append(self.path)
                status, body, kind = owner.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, path: str) -> tuple[int, bytes, str]:
        parts = urlsplit(path)
        if parts.path == "/cdx/search/cdx":
            start = int(parse_qs(parts.query).get("resumeKey", ["0"])[0])
            rows: list[list[str]] = [["timestamp", "original", "mimetype", "statuscode"]]
            rows += [[ts, url, "text/html", "200"] for ts, url, _ in self.captures[start : start + CDX_PAGE]]
            if start + CDX_PAGE < len(self.captures):
                rows += [[], [str(start + CDX_PAGE)]]
            return 200, json.dumps(rows).encode(), "application/json"
        for ts, url, page in self.captures:
            if path == f"/web/{ts}id_/{url}" and page is not None:
                return 200, page, "text/html; charset=UTF-8"
        return 404, b"not archived", "text/plain"

    def __enter__(self) -> FakeWayback:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def taken_down(replica_site: ReplicaSite) -> list[ReplicaArticle]:
    """Three articles the publisher no longer serves (nor lists): only the Wayback Machine has them."""
    gone = replica_site.articles[2 : 2 + TAKEN_DOWN]
    replica_site.remove_articles(gone)
    return gone


@pytest.fixture
def empty_database_url(admin_database_url: str) -> Iterator[str]:
    yield from empty_database(admin_database_url)


def timestamp(article: ReplicaArticle) -> str:
    """A capture a day after publication."""
    moment = article.published.astimezone(UTC).replace(microsecond=0)
    return f"{moment.year}{moment.month:02}{moment.day + 1 if moment.day < 28 else moment.day:02}120000"


def test_taken_down_articles_are_imported_tagged_with_their_capture_and_replayed_alike(
    tmp_path: Path, database_url: str, empty_database_url: str, publisher, taken_down: list[ReplicaArticle]
) -> None:
    base, site = publisher.base_url, publisher.site
    live = [(timestamp(a), base + site.article_path(a), None) for a in site.articles[:4]]  # archived by us anyway
    gone = [(timestamp(a), base + site.article_path(a), render_article(site, a, base).encode()) for a in taken_down]
    listing = [("20240101000000", base + "/category/afghanistan/", b"<html></html>")]
    listed = [*live, *gone, *listing]
    with FakeWayback(listed) as wayback:
        config = write_config(tmp_path, database_url, replica_source_toml(base))
        result = run_cli(
            config, "backfill", "replica", "--since", "2020-01-01", "--until", "2024-08-01", "--window", "3650d",
            "--wayback", wayback.url,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
        resume_keys = [path for path in wayback.requests if "resumeKey=" in path]
        fetched = [path for path in wayback.requests if "id_/" in path]

    assert len(resume_keys) == (len(listed) - 1) // CDX_PAGE > 0, "every CDX page was read"
    assert sorted(fetched) == sorted(f"/web/{ts}id_/{url}" for ts, url, _ in gone), "only what we lack is fetched"
    rows = query(
        database_url,
        "SELECT r.url, v.imported_from, v.seen_at FROM article_records r"
        " JOIN article_versions v ON v.article_id = r.id ORDER BY r.url",
    )
    assert len(rows) == len(site.articles) + TAKEN_DOWN
    imported = {url: (origin, seen) for url, origin, seen in rows if origin}
    expected = {
        url: (f"{wayback.url}/web/{ts}/{url}", datetime.strptime(ts, "%Y%m%d%H%M%S").replace(tzinfo=UTC))
        for ts, url, _ in gone
    }
    assert imported == expected, "each imported version names its capture and carries its time"

    captures = query(database_url, "SELECT url, page_kind FROM captures WHERE record_type = 'response'")
    ours = {url for url, _ in captures}
    assert all(url not in ours for url in expected), "no capture of ours under a taken-down article's URL"
    assert sorted(url for url, kind in captures if kind == "imported") == sorted(
        f"{wayback.url}/web/{ts}id_/{url}" for ts, url, _ in gone
    )

    rebuilt = rebuilt_config(tmp_path, empty_database_url, base)
    replayed = run_cli(rebuilt, "replay", str(archive_dir(tmp_path)))
    assert replayed.returncode == 0, replayed.stderr[-3000:]
    again = query(
        empty_database_url,
        "SELECT r.url, v.imported_from, v.seen_at FROM article_records r"
        " JOIN article_versions v ON v.article_id = r.id ORDER BY r.url",
    )
    assert again == rows, "the WARCs alone rebuild the imports as imports"
