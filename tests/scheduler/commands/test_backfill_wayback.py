"""``backfill --wayback``: articles the publisher took down, imported from a Wayback Machine of our own, tagged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from replica import ReplicaArticle, ReplicaSite, render_article
from tests.scheduler.commands._archive import archive_dir, empty_database, rebuilt_config
from tests.support.cli import query, replica_source_toml, run_cli, write_config
from tests.support.wayback import CDX_PAGE, FakeWayback

TAKEN_DOWN = 3


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
