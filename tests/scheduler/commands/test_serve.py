"""``newsarchive serve``: pywb replays every archived article byte for byte (gzip, redirects, revisits)."""

from __future__ import annotations

import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest

from crawler.settings import accept_encoding
from crawler.warc.cdxj import index_file
from tests.crawler.replay.warcs import WarcBuilder, article_pages
from tests.scheduler.commands._archive import source_toml
from tests.support.cli import query, run_cli, write_config
from tests.support.processes import reaped

STARTUP_DEADLINE = 60.0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body exactly as sent (gzip not decoded, redirects not followed)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": accept_encoding()})
    try:
        with _OPENER.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def config(tmp_path: Path, database_url: str, publisher) -> Path:
    slug = publisher.site.articles[3].slug
    sources = source_toml(publisher.base_url).replace(
        f'start_urls = ["{publisher.base_url}/"]',
        f'start_urls = ["{publisher.base_url}/", "{publisher.base_url}/old/{slug}/"]',
    )
    return write_config(tmp_path, database_url, sources)


@pytest.fixture
def crawled(config: Path, publisher) -> Path:
    """Two crawls of an unchanged site: every article page gzip-encoded, the second time as revisits."""
    for _ in range(2):
        result = run_cli(config, "crawl", "replica")
        assert result.returncode == 0, result.stderr[-3000:]
    return config


@pytest.fixture
def wayback(crawled: Path) -> Iterator[str]:
    with serving(crawled) as base:
        yield base


@contextmanager
def serving(config: Path, *options: str) -> Iterator[str]:
    """``newsarchive serve`` on a free port, once it answers; stopped (with pywb) afterwards, however the block ends:
    cleanly (SIGTERM, exit 0, pywb gone with it) when the block returned, killed with its children when it raised."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "--config", str(config), "serve", "--port", str(port), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with reaped(process):
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + STARTUP_DEADLINE
        while True:
            assert process.poll() is None, process.stderr.read()[-3000:]
            try:
                if fetch(base + "/archive/")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "pywb did not answer"
            time.sleep(0.2)
        yield base
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        with pytest.raises(OSError):
            fetch(base + "/archive/")  # pywb went with it


def ts14(moment) -> str:
    return moment.strftime("%Y%m%d%H%M%S")


def test_every_article_capture_replays_byte_identical(wayback: str, database_url: str, publisher) -> None:
    captures = query(
        database_url,
        "SELECT url, captured_at, record_type FROM captures WHERE page_kind = 'article' AND status = 200"
        " AND record_type IN ('response', 'revisit') ORDER BY captured_at",
    )
    kinds = {record_type for _, _, record_type in captures}
    assert kinds == {"response", "revisit"}, kinds
    encodings = set()
    for url, captured_at, record_type in captures:
        status, headers, body = fetch(f"{wayback}/archive/{ts14(captured_at)}id_/{url}")
        assert status == 200, f"{record_type} {url}"
        assert body == fetch(url)[2], f"{record_type} {url}"
        encodings.add(headers.get("Content-Encoding"))
    assert "gzip" in encodings


def test_a_page_reached_through_a_redirect_replays(wayback: str, database_url: str, publisher) -> None:
    old = f"{publisher.base_url}/old/{publisher.site.articles[3].slug}/"
    # A redirect gets no captures row (crawler.storage.capturerule): pywb's own CDX API finds its capture.
    status, _, lines = fetch(f"{wayback}/archive/cdx?url={quote(old, safe='')}&output=json")
    assert status == 200, lines[:300]
    stamp = min(json.loads(line)["timestamp"] for line in lines.decode().splitlines() if line.strip())
    status, headers, _ = fetch(f"{wayback}/archive/{stamp}id_/{old}")
    live_status, live_headers, _ = fetch(old)
    assert status == live_status == 301
    target = live_headers["Location"]
    assert headers["Location"].endswith(target)
    status, _, body = fetch(f"{wayback}/archive/{stamp}id_/{target}")
    assert status == 200 and body == fetch(target)[2]


def test_warc_files_closed_while_serving_are_served_after_a_refresh(crawled: Path, tmp_path: Path, publisher) -> None:
    archive = tmp_path / "data" / "archive"
    later = sorted(archive.glob("*.warc.gz"))[-1]
    aside = tmp_path / "aside"
    aside.mkdir()
    index = archive / "indexes" / (later.name + ".cdxj")
    later.rename(aside / later.name)
    index.rename(aside / index.name)
    with serving(crawled, "--refresh", "0.5") as base:

        def listed() -> str:
            return fetch(f"{base}/archive/cdx?url={publisher.base_url}/&matchType=host")[2].decode()

        assert sorted(archive.glob("*.warc.gz"))[0].name in listed()
        assert later.name not in listed()
        (aside / index.name).rename(index)
        (aside / later.name).rename(later)
        deadline = time.monotonic() + 30
        while later.name not in listed():
            assert time.monotonic() < deadline, "the new WARC file was never served"
            time.sleep(0.2)


def test_a_revisit_of_another_url_replays_the_original_payload(tmp_path: Path) -> None:
    (url, html), _ = article_pages(1) * 2
    first, later = datetime(2024, 3, 1, 12, tzinfo=UTC), datetime(2024, 3, 2, 12, tzinfo=UTC)
    builder = WarcBuilder(tmp_path / "data" / "archive")
    builder.page(url, html, first, encode=True)
    builder.page(url + "?utm_source=feed", html, later, encode=True)  # same bytes elsewhere: a revisit
    index_file(builder.close())
    config = write_config(tmp_path, "postgresql://unused@127.0.0.1:9/none", "")  # serve needs no database
    with serving(config) as base:
        status, headers, body = fetch(f"{base}/archive/{ts14(later)}id_/{url}?utm_source=feed")
    assert status == 200 and headers.get("Content-Encoding") == "gzip"
    assert body == gzip.compress(html, mtime=0)


def test_without_pywb_serve_says_how_to_install_it_and_exits_69(crawled: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    # pywb made invisible to the serve process, as on an installation without the [replay] extra.
    (blocker / "sitecustomize.py").write_text(
        "import importlib.util, sys\n"
        "_find = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name == 'pywb' else _find(name, *a)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(blocker)}
    result = subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(crawled), "serve"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 69
    assert "pip install" in result.stderr and "newsarchive[replay]" in result.stderr
