"""What the reading-room tests share: the crawled archive (the replica crawled twice, edited between) and the server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from crawler.storage.scratch import scratch_database
from replica import ReplicaPublisher, ReplicaSite
from tests.support.cli import replica_source_toml, run_cli, write_config

CHECKOUT = Path(__file__).resolve().parents[2]
"""The checkout under test: subprocesses import it first."""
NEW_SENTENCE = "The ministry later confirmed the quarrystone agreement in writing."
HOSTILE_TITLE = "<script>alert('x')</script> Hostile <b>headline</b>"
HOSTILE_PARAGRAPH = "The wraithmoss memo quoted <script>alert('body')</script> and <img src=x onerror=alert(2)> as-is."
"""Archived text is data: a publisher's page (or an attacker's) may hold markup that must show as text here."""
FRESH_TITLE = "Herat opens the new school year with ten thousand pupils"
"""Published between the two crawls: on the second front page, new since the first."""


class Archive:
    """What the tests share: the database, the config, the edited article and its replaced sentence."""

    def __init__(self, url: str, config: Path, edited_url: str, old_sentence: str, hostile_url: str) -> None:
        self.url, self.config = url, config
        self.edited_url, self.old_sentence, self.hostile_url = edited_url, old_sentence, hostile_url
        self.front_url = self.fresh_url = ""
        """The replica's home page (the source's front page); the story published between the crawls."""


@contextmanager
def crawled_archive(admin_database_url: str, tmp: Path) -> Iterator[Archive]:
    """Crawl; edit article 0's second paragraph, article 1's title and first paragraph (hostile), publish a story;
    crawl again."""
    site = ReplicaSite()
    with ReplicaPublisher(site) as publisher, scratch_database(admin_database_url, "newsarchive_web") as url:
        config = write_config(tmp, url, replica_source_toml(publisher.base_url))
        first = run_cli(config, "crawl", "replica")
        assert first.returncode == 0, first.stderr[-3000:]
        old_sentence = site.articles[0].paragraphs[1]
        paragraphs = list(site.articles[0].paragraphs)
        paragraphs[1] = NEW_SENTENCE
        site.update_article(0, paragraphs=paragraphs)
        site.update_article(1, title=HOSTILE_TITLE, paragraphs=[HOSTILE_PARAGRAPH, *site.articles[1].paragraphs])
        fresh = site.add_article(FRESH_TITLE)
        second = run_cli(config, "crawl", "replica")
        assert second.returncode == 0, second.stderr[-3000:]
        records = {r["url"]: r for r in site.expected_records(publisher.base_url)}
        edited = next(u for u, r in records.items() if NEW_SENTENCE in r["body"])
        hostile = next(u for u, r in records.items() if r["title"] == HOSTILE_TITLE)
        archive = Archive(url, config, edited, old_sentence, hostile)
        archive.front_url = publisher.base_url.rstrip("/") + "/"
        archive.fresh_url = archive.front_url.rstrip("/") + site.article_path(fresh)
        yield archive


def subprocess_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("NEWSARCHIVE_DATABASE_URL", "DATABASE_URL")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CHECKOUT), env.get("PYTHONPATH")]))
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_web(archive: Archive, port: int, *extra: str) -> subprocess.Popen[str]:
    """``newsarchive web`` on ``127.0.0.1:port`` over the archive, its output piped."""
    command = [sys.executable, "-m", "scheduler", "--config", str(archive.config), "web"]
    command += ["--listen", f"127.0.0.1:{port}", *extra]
    return subprocess.Popen(command, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_page(url: str, process: subprocess.Popen, client: httpx.Client | None = None) -> None:
    """Poll ``url`` until it answers 200; fail if the server exits or a minute passes."""
    get = client.get if client is not None else httpx.get
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read() if process.stderr else "web exited")
        try:
            if get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("the reading room did not start")
