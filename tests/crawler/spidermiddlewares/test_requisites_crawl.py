"""Page requisites end to end: ``newsarchive crawl`` of the replica (a site and its media host) into WARCs and
PostgreSQL, then again: fetched once, refreshed with validators, excluded, capped, refused where they must be."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest
from parsel import Selector

from crawler.discovery.requisites import page_requisites, stylesheet_requisites
from crawler.warc.reader import WarcRecord, iter_file
from replica import ReplicaPublisher, ReplicaSite
from tests.support.cli import query, run_cli, write_config

MEDIA_HOST = "127.0.0.2"


@pytest.fixture
def site() -> ReplicaSite:
    return ReplicaSite(n_articles=4)


@pytest.fixture
def replica(site: ReplicaSite) -> Iterator[ReplicaPublisher]:
    with ReplicaPublisher(site, media_host=MEDIA_HOST) as server:
        yield server


def source_toml(replica: ReplicaPublisher, **extra: Any) -> str:
    base = replica.base_url
    values: dict[str, Any] = {
        "name": "replica",
        "spider": "khaama",
        "start_urls": [base + "/"],
        "feeds": [base + "/feed/"],
        "allowed_domains": ["127.0.0.1"],
        "requisites_hosts": [MEDIA_HOST],
        "download_delay": "0s",
        **extra,
    }
    return "[[sources]]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items())


def crawl(tmp_path: Path, database_url: str, replica: ReplicaPublisher, **extra: Any) -> dict[str, Any]:
    config = write_config(tmp_path, database_url, source_toml(replica, **extra))
    result = run_cli(config, "crawl", "replica")
    assert result.returncode == 0, result.stderr[-3000:]
    rows = query(database_url, "SELECT stats FROM crawl_runs WHERE source = 'replica' ORDER BY id DESC LIMIT 1")
    return rows[0][0]


def expected_requisites(replica: ReplicaPublisher) -> set[str]:
    """What the replica's home page and articles load, stylesheets followed, as found from the live site."""
    site = replica.site
    pages = [replica.base_url + "/"] + [replica.base_url + site.article_path(a) for a in site.articles]
    found: set[str] = set()
    queue = []
    for page in pages:
        queue += page_requisites(Selector(text=urlopen(page).read().decode()), page)
    while queue:
        requisite = queue.pop()
        if requisite.url in found:
            continue
        found.add(requisite.url)
        if requisite.kind == "stylesheet":
            queue += stylesheet_requisites(urlopen(requisite.url).read().decode(), requisite.url)
    return found


def requisite_captures(database_url: str) -> dict[str, list[int]]:
    rows = query(
        database_url,
        "SELECT url, status FROM captures WHERE page_kind = 'requisite' AND record_type IN ('response', 'revisit')"
        " ORDER BY captured_at",
    )
    captures: dict[str, list[int]] = {}
    for url, status in rows:
        captures.setdefault(url, []).append(status)
    return captures


def served(replica: ReplicaPublisher) -> list[str]:
    """Every URL both hosts were asked for so far."""
    assert replica.media is not None
    return [replica.base_url + path for path in replica.paths()] + [
        replica.media.base_url + path for path in replica.media.paths()
    ]


def clear(replica: ReplicaPublisher) -> None:
    assert replica.media is not None
    replica.clear_requests()
    replica.media._log.clear()


def archived_bodies(tmp_path: Path, url: str) -> list[bytes]:
    bodies = []
    for path in sorted((tmp_path / "data" / "archive").rglob("*.warc.gz")):
        for record in iter_file(path):
            if (
                isinstance(record, WarcRecord)
                and record.rec_type == "response"
                and record.header("WARC-Target-URI") == url
            ):
                payload = record.payload
                bodies.append(gzip.decompress(payload) if payload[:2] == b"\x1f\x8b" else payload)
    return bodies


def test_requisites_archived_once_then_not_again(tmp_path: Path, database_url: str, replica: ReplicaPublisher) -> None:
    expected = expected_requisites(replica)
    assert any(urlsplit(url).hostname == MEDIA_HOST for url in expected)
    assert any(url.endswith(".woff2") for url in expected), "the theme's @import-ed font CSS was not followed"

    first = crawl(tmp_path, database_url, replica, requisites_srcset="all")

    captured = requisite_captures(database_url)
    missing = sorted(url for url in expected if 200 not in captured.get(url, []))
    assert not missing, f"requisites not archived: {missing}"
    assert first["newsarchive/requisites/requested"] == len(captured)

    clear(replica)
    added = replica.site.add_article("Fresh report on the new school year in Herat province")
    second = crawl(tmp_path, database_url, replica, requisites_srcset="all")

    asked_again = sorted(set(served(replica)) & expected)
    assert not asked_again, f"unchanged requisites downloaded again: {asked_again}"
    assert second["newsarchive/requisites/fresh"] >= len(expected) // 2
    new_photo = replica.base_url + added.image_path
    assert 200 in requisite_captures(database_url)[new_photo], "the new article's photo was not archived"


def test_a_changed_stylesheet_is_fetched_and_stored(
    tmp_path: Path, database_url: str, replica: ReplicaPublisher
) -> None:
    crawl(tmp_path, database_url, replica)
    style = next(url for url in requisite_captures(database_url) if "/style.css" in url)
    replica.site.update_theme()
    clear(replica)

    stats = crawl(tmp_path, database_url, replica, requisites_fresh_for="0s")

    asks = [log for log in replica.requests if log.path.startswith("/wp-content/themes/Newspaper/")]
    assert asks and all(log.header("If-None-Match") for log in asks), "stale requisites asked without validators"
    assert {log.path.split("?")[0]: log.status for log in asks}["/wp-content/themes/Newspaper/style.css"] == 200
    assert stats["newsarchive/requisites/not_modified"] >= 3  # fonts.css, the fonts, the background
    assert requisite_captures(database_url)[style] == [200, 200]
    bodies = archived_bodies(tmp_path, style)
    assert len(bodies) == 2 and b"revision 1" in bodies[0] and b"revision 2" in bodies[1]


def test_exclusions_and_the_size_cap_per_file(tmp_path: Path, database_url: str, replica: ReplicaPublisher) -> None:
    stats = crawl(tmp_path, database_url, replica, requisites_exclude=["/uploads/ads/"], requisites_max_file_size=1500)

    assert not [path for path in replica.paths() if "/uploads/ads/" in path], "an excluded requisite was fetched"
    assert stats["newsarchive/requisites/excluded"] >= 3
    font = next(url for url in requisite_captures(database_url) if url.endswith(".woff2"))
    records = [
        record
        for path in sorted((tmp_path / "data" / "archive").rglob("*.warc.gz"))
        for record in iter_file(path)
        if isinstance(record, WarcRecord) and record.header("WARC-Target-URI") == font
    ]
    assert records and records[0].header("WARC-Truncated") == "length"
    assert len(records[0].payload) < 98_308  # the whole font


def test_the_size_cap_per_page(tmp_path: Path, database_url: str, replica: ReplicaPublisher) -> None:
    stats = crawl(tmp_path, database_url, replica, requisites_max_page_size="50kB")

    assert stats["newsarchive/requisites/page_size_cap"] >= 1
    fonts = [url for url in requisite_captures(database_url) if "/fonts/newspaper." in url]
    assert len(fonts) < 2, "a page's requisites went past its size cap"


def test_a_private_host_the_source_does_not_name_is_refused(
    tmp_path: Path, database_url: str, replica: ReplicaPublisher
) -> None:
    stats = crawl(tmp_path, database_url, replica, requisites_hosts=[])

    assert replica.media is not None and replica.media.paths() == []
    assert stats["newsarchive/ssrf/blocked"] >= 1
    assert stats["newsarchive/requisites/refused"] >= 1
    assert any("/style.css" in url for url in requisite_captures(database_url))  # the site's own still are


def test_robots_txt_of_a_requisite_host_is_obeyed(tmp_path: Path, database_url: str, replica: ReplicaPublisher) -> None:
    assert replica.media is not None
    replica.media.router.disallow = ["/wp-content/uploads/"]

    stats = crawl(tmp_path, database_url, replica)

    assert replica.media.paths() == ["/robots.txt"]
    assert stats["robotstxt/forbidden"] >= 1
    assert stats["newsarchive/requisites/refused"] >= 1


def test_requisites_off(tmp_path: Path, database_url: str, replica: ReplicaPublisher) -> None:
    stats = crawl(tmp_path, database_url, replica, requisites=False)

    assert requisite_captures(database_url) == {}
    assert not any(key.startswith("newsarchive/requisites/") for key in stats)
