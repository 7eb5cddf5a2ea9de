"""``newsarchive export-wacz`` of a crawl with page requisites and a browser capture: the package holds what the
pages load and the front page's screenshot, and py-wacz validates it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from replica import ReplicaPublisher, ReplicaSite
from tests.crawler.spidermiddlewares.test_requisites_crawl import MEDIA_HOST, source_toml
from tests.scheduler.commands.test_export_wacz import validate
from tests.support.cli import run_cli, write_config


def packaged_records(path: Path) -> list[tuple[str, str]]:
    """(WARC-Type, WARC-Target-URI) of every record in the package's WARC files."""
    found = []
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            if name.startswith("archive/"):
                for record in ArchiveIterator(io.BytesIO(package.read(name))):
                    found.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI") or ""))
    return found


def test_the_package_holds_requisites_and_screenshots(tmp_path: Path, database_url: str) -> None:
    with ReplicaPublisher(ReplicaSite(n_articles=2), media_host=MEDIA_HOST) as replica:
        config = write_config(tmp_path, database_url, source_toml(replica, render=["front"]))
        result = run_cli(config, "crawl", "replica")
        assert result.returncode == 0, result.stderr[-3000:]
        base = replica.base_url

    output = tmp_path / "replica.wacz"
    result = run_cli(config, "export-wacz", "--source", "replica", "--output", str(output))
    assert result.returncode == 0, result.stderr[-3000:]
    validate(output)

    records = packaged_records(output)
    responses = {uri for kind, uri in records if kind == "response"}
    assert base + "/wp-content/themes/Newspaper/style.css?ver=12.6.5" in responses
    assert base + "/wp-content/themes/Newspaper/fonts/newspaper.woff2" in responses
    assert any(MEDIA_HOST in uri for uri in responses)
    assert ("resource", f"urn:screenshot:{base}/") in records
