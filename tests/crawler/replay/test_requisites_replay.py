"""A crawled article replayed by pywb (``newsarchive serve``) in headless Chromium, the publisher gone: everything
the page loads (theme CSS, its @import, fonts, background, scripts, srcset sizes, the lazy avatar from the media
host) comes from the archive. The test fails on the first archive miss, listing them all.

``NEWSARCHIVE_WRITE_DOCS=1`` also writes the replayed page's screenshot to docs/replayed-article.png (the README's).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx

from crawler.replay.misses import check_replay
from replica import ReplicaPublisher, ReplicaSite
from tests.crawler.spidermiddlewares.test_requisites_crawl import MEDIA_HOST, source_toml
from tests.support.cli import cli_command, cli_env, run_cli, write_config
from tests.support.processes import stop_tree

DOCS_SCREENSHOT = Path(__file__).resolve().parents[3] / "docs" / "replayed-article.png"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_listening(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "newsarchive serve exited"
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"pywb did not answer at {url} within {timeout:.0f} s")


def test_a_replayed_article_has_no_archive_misses(tmp_path: Path, database_url: str) -> None:
    site = ReplicaSite(n_articles=3)
    with ReplicaPublisher(site, media_host=MEDIA_HOST) as replica:
        config = write_config(tmp_path, database_url, source_toml(replica))
        result = run_cli(config, "crawl", "replica")
        assert result.returncode == 0, result.stderr[-3000:]
        article = replica.base_url + site.article_path(site.articles[0])
    # The publisher is gone: whatever the replay loads must come from the archive (or it is a leak, counted).

    port = free_port()
    serve = subprocess.Popen(
        cli_command(config, "serve", "--port", str(port)),
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_listening(base + "/", serve)
        shot = DOCS_SCREENSHOT if os.environ.get("NEWSARCHIVE_WRITE_DOCS") else tmp_path / "replayed.png"
        check = check_replay(f"{base}/archive/29991231000000/{article}", base, screenshot=shot)
    finally:
        stop_tree(serve, graceful=10)

    assert not check.misses, f"archive misses: {sorted(set(check.misses))}"
    assert not check.leaks, f"requests that left the archive: {sorted(set(check.leaks))}"
    loaded = [url for url in check.requests if url.startswith(base + "/archive/")]
    for expected in ("style.css", "fonts.css", "newspaper.woff2", "header-texture.png", "tagdiv_theme.min.js"):
        assert any(expected in url for url in loaded), f"the replay did not load {expected}: {loaded}"
    assert any(MEDIA_HOST in url and "avatar" in url for url in loaded), "the lazy avatar was not swapped in"
    assert shot.stat().st_size > 10_000
