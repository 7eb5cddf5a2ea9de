"""``render = ["front"]``: real crawls of the replica's browser pages in Debian's headless Chromium.

One crawl renders the script-built front page and a page whose script asks a private address; a second renders a
page that loops forever, two that allocate without end and the front page after them. Their WARCs are read back
with warcio (and ``warcio check``), the captures index and run row from PostgreSQL.
"""

from __future__ import annotations

import json
import struct
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.storage.scratch import scratch_database
from replica import ReplicaPublisher, ReplicaSite, browser
from tests.faults._support import SETTINGS_ENV, settings_env, source_toml, warc_files, warcio_check
from tests.support.cli import cli_command, cli_env, query, write_config

RENDER_TIMEOUT = 8.0
"""Seconds per page in these crawls: the front page takes about 3 s on an idle machine, more on a loaded one."""


@dataclass
class Record:
    type: str
    uri: str
    content_type: str | None
    concurrent_to: str | None
    record_id: str
    block: bytes
    """The content as warcio decodes it (for responses: the HTTP payload, content-decoded)."""
    fields: dict[str, str]


@dataclass
class Crawl:
    base: str
    records: list[Record]
    files: list[Path]
    database_url: str
    publisher: ReplicaPublisher
    stats: dict[str, Any]
    status: str
    error: str | None
    seconds: float

    def resources(self, uri: str) -> list[Record]:
        return [r for r in self.records if r.type == "resource" and r.uri == uri]

    def exchange(self, url: str) -> tuple[Record, Record]:
        """The response to ``url`` and the request record that goes with it."""
        [response] = [r for r in self.records if r.type == "response" and r.uri == url]
        [request] = [r for r in self.records if r.type == "request" and r.concurrent_to == response.record_id]
        return response, request


def _read(files: list[Path]) -> list[Record]:
    found = []
    for path in files:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                headers = record.rec_headers
                block = record.content_stream().read()
                fields = {}
                if record.rec_type == "metadata":
                    fields = dict(line.split(": ", 1) for line in block.decode().splitlines() if ": " in line)
                found.append(
                    Record(
                        record.rec_type,
                        headers.get_header("WARC-Target-URI") or "",
                        headers.get_header("Content-Type"),
                        headers.get_header("WARC-Concurrent-To"),
                        headers.get_header("WARC-Record-ID"),
                        block,
                        fields,
                    )
                )
    return found


CAP_REACHED = "the source's max_articles cap was reached: the rest waits for the next run"


def _crawl(tmp: Path, admin_url: str, paths: list[str], **env_settings: Any) -> Iterator[Crawl]:
    with ReplicaPublisher(ReplicaSite(), mounts=[browser.MOUNT]) as publisher, scratch_database(admin_url) as url:
        base = publisher.base_url
        source = source_toml(
            "front",
            spider="news",
            start_urls=[base + path for path in paths],
            allowed_domains=["127.0.0.1"],
            download_delay="0s",
            max_articles=2,
            render=["front"],
            render_timeout=f"{RENDER_TIMEOUT:g}s",
        )
        config = write_config(tmp, url, source)
        env = {**cli_env(), SETTINGS_ENV: settings_env(**env_settings)} if env_settings else cli_env()
        started = time.monotonic()
        result = subprocess.run(
            cli_command(config, "crawl", "front"), capture_output=True, text=True, timeout=180, env=env
        )
        seconds = time.monotonic() - started
        assert result.returncode == 0, result.stderr[-3000:]
        [(stats, status, error)] = query(url, "SELECT stats, status, error FROM crawl_runs")
        files = warc_files(tmp / "data" / "archive")
        yield Crawl(base, _read(files), files, url, publisher, stats, status, error, seconds)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, admin_database_url: str) -> Iterator[Crawl]:
    yield from _crawl(tmp_path_factory.mktemp("render"), admin_database_url, ["/browser/", "/browser/ssrf/"])


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, admin_database_url: str) -> Iterator[Crawl]:
    pages = ["/browser/loop/", "/browser/hog/", "/browser/hog-buffers/", "/browser/"]
    # The browser's memory cap brought down to what the buffer hog passes in a second.
    yield from _crawl(
        tmp_path_factory.mktemp("hostile"), admin_database_url, pages, NEWSARCHIVE_RENDER_MAX_MEMORY=1_200_000_000
    )


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_the_front_page_screenshot_is_a_full_page_png(rendered: Crawl) -> None:
    [shot] = rendered.resources("urn:screenshot:" + rendered.base + "/browser/")
    assert shot.content_type == "image/png"
    width, height = _png_size(shot.block)
    [about] = [r for r in rendered.records if r.type == "metadata" and r.concurrent_to == shot.record_id]
    assert width == 1280
    # Full page: as tall as the page's scroll height, which the twelve script-built stories make several screens.
    assert height >= int(about.fields["scroll-height"]) >= browser.STORIES * browser.STORY_HEIGHT
    assert about.fields["page-kind"] == "render" and about.fields["front-page"] == "true"


def test_the_dom_record_holds_what_the_script_built(rendered: Crawl) -> None:
    page = rendered.base + "/browser/"
    [dom] = rendered.resources("urn:dom:" + page)
    html, _ = rendered.exchange(page)
    assert dom.content_type.startswith("text/html")
    titles = [story["title"] for story in browser.stories(rendered.publisher.site, rendered.base)]
    assert dom.block.count(browser.BUILT_MARKER.encode()) == browser.STORIES
    assert json.dumps(titles[0])[1:-1].encode() not in html.block  # the archived HTML has no story...
    assert browser.BUILT_MARKER.encode() not in html.block
    assert rendered.base.encode() + b"/" in dom.block  # ...the rendered DOM links them


def test_what_the_browser_loaded_is_in_the_same_warc_as_request_and_response(rendered: Crawl) -> None:
    base = rendered.base + "/browser/"
    loaded = ["app.js", "theme.css", "extra.css", "stories.json", "img/background.png", "moved.png", "img/logo.png"]
    loaded += [f"img/story-{rank}.png" for rank in range(browser.STORIES)]  # lazy: loaded only by the scroll
    for path in loaded:
        response, request = rendered.exchange(base + path)
        assert request.block == b"" and (response.block or path == "moved.png"), path  # moved.png: the 302 hop
    [shot] = rendered.resources("urn:screenshot:" + base)
    assert len({record.uri for record in rendered.records}) > len(loaded)
    assert {r.type for r in rendered.records if r.uri == base + "app.js"} == {"response", "request", "metadata"}
    assert len(rendered.files) == 1, "one WARC: the page, what it loaded and its screenshot together"
    assert rendered.stats["newsarchive/render/pages"] == 2
    assert shot  # the screenshot sits beside them


def test_the_warc_passes_warcio_check_and_captures_index_the_resources(rendered: Crawl) -> None:
    for path in rendered.files:
        checked = warcio_check(path)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    rows = query(
        rendered.database_url,
        "SELECT url, mime, page_kind, source FROM captures WHERE record_type = 'resource' ORDER BY url",
    )
    page = rendered.base + "/browser/"
    assert ("urn:screenshot:" + page, "image/png", "render", "front") in rows
    assert ("urn:dom:" + page, "text/html", "render", "front") in rows
    cdxj = (rendered.files[0].parent / "indexes").rglob("*.cdxj")
    assert any("urn:screenshot:" in path.read_text() for path in cdxj), "cdxj-indexer indexes resource records"


def test_a_page_script_asking_a_private_address_is_refused(rendered: Crawl) -> None:
    assert not [entry for entry in rendered.publisher.requests if entry.path.startswith(browser.SECRET_PATH)]
    assert not [r for r in rendered.records if "localhost" in r.uri and r.type == "response"]
    assert rendered.stats["newsarchive/render/refused"] == 2  # the fetch() and the image
    assert rendered.stats["newsarchive/ssrf/blocked"] == 2
    [dom] = rendered.resources("urn:dom:" + rendered.base + "/browser/ssrf/")
    assert b">refused<" in dom.block  # the page saw its request fail
    # Only the test's own article cap degrades the run: the refusals do not.
    assert (rendered.status, rendered.error) == ("degraded", CAP_REACHED)


def test_looping_and_hoarding_pages_are_given_up_and_the_run_goes_on(hostile: Crawl) -> None:
    given_up = {key.rsplit("/", 1)[1]: n for key, n in hostile.stats.items() if "/render/given_up/" in key}
    assert given_up == {"timeout": 1, "crashed": 1, "memory": 1}
    # The front page, offered last, still rendered: the looping page cost its time limit, the hogs less.
    assert hostile.resources("urn:screenshot:" + hostile.base + "/browser/")
    assert not hostile.resources("urn:screenshot:" + hostile.base + "/browser/loop/")
    assert hostile.seconds < 3 * RENDER_TIMEOUT + 20
    assert hostile.stats["newsarchive/render/browser_kills"] == 1  # the buffer hog's browser, restarted after it
    assert hostile.status == "degraded"
    assert (
        hostile.error
        == f"3 page renders given up (crashed: 1, memory: 1, timeout: 1); their pages are archived; {CAP_REACHED}"
    )
