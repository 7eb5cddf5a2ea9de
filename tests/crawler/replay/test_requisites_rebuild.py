"""``newsarchive replay`` rebuilds what the crawl knows of archived requisites (from the captures of the WARCs)."""

from __future__ import annotations

from pathlib import Path

import psycopg

from crawler.storage.requisites import load_requisites
from replica import ReplicaPublisher, ReplicaSite
from tests.crawler.spidermiddlewares.test_requisites_crawl import MEDIA_HOST, source_toml
from tests.support.cli import run_cli, write_config


def test_replay_rebuilds_the_requisites_freshness(tmp_path: Path, database_url: str) -> None:
    with ReplicaPublisher(ReplicaSite(n_articles=2), media_host=MEDIA_HOST) as replica:
        config = write_config(tmp_path, database_url, source_toml(replica))
        result = run_cli(config, "crawl", "replica")
        assert result.returncode == 0, result.stderr[-3000:]
    with psycopg.connect(database_url) as conn:
        before = load_requisites(conn, "replica")
        conn.execute("DELETE FROM captures")
        conn.commit()
        assert load_requisites(conn, "replica") == {}
    assert len(before) >= 10

    result = run_cli(config, "replay", str(tmp_path / "data" / "archive"))
    assert result.returncode == 0, result.stderr[-3000:]

    with psycopg.connect(database_url) as conn:
        assert load_requisites(conn, "replica") == before
