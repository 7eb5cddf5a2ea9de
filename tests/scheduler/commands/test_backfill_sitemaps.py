"""``backfill`` of a source without the WordPress API: monthly sitemaps, only those of the range fetched."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from replica import ReplicaSite
from tests.support.cli import query, run_cli, write_config

SINCE = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def replica_site() -> ReplicaSite:
    """400 posts, one every ~29 hours: March 2023 to July 2024."""
    return ReplicaSite(400, spacing=5)


def test_dated_sitemaps_outside_the_range_are_not_fetched_and_the_range_is_stored(
    tmp_path: Path, database_url: str, publisher
) -> None:
    base, site = publisher.base_url, publisher.site
    source = (
        f'[[sources]]\nname = "monthly"\nspider = "news"\nsitemaps = ["{base}/sitemap-monthly.xml"]\n'
        'allowed_domains = ["127.0.0.1"]\ndownload_delay = "0s"\n'
    )
    config = write_config(tmp_path, database_url, source)
    result = run_cli(config, "backfill", "monthly", "--since", SINCE.date().isoformat(), "--until", "2024-08-01")
    assert result.returncode == 0, result.stderr[-3000:]

    fetched = {
        (int(m[1]), int(m[2]))
        for (url,) in query(database_url, "SELECT url FROM captures WHERE page_kind = 'sitemap'")
        if (m := re.search(r"sitemap-pt-post-(\d{4})-(\d{2})", url))
    }
    months = {(a.published.astimezone(UTC).year, a.published.astimezone(UTC).month) for a in site.articles}
    assert fetched == {month for month in months if month >= (2024, 1)}, "only the range's monthly sitemaps"
    assert len(months) > len(fetched)

    # Sitemap entries carry lastmod only: an article last changed before the range cannot be of it.
    expected = sorted(base + site.article_path(a) for a in site.articles if a.last_modified >= SINCE)
    stored = [url for (url,) in query(database_url, "SELECT url FROM article_records ORDER BY url")]
    assert stored == expected
    ((trigger, phase),) = query(
        database_url, "SELECT DISTINCT r.trigger, b.phase FROM crawl_runs r, backfills b WHERE r.source = 'monthly'"
    )
    assert (trigger, phase) == ("backfill", "done")
