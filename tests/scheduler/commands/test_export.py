"""``newsarchive export`` and ``db migrate`` through the CLI, as a user runs them."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone

from crawler.extract.article import Article
from crawler.items import ArticleItem
from crawler.storage.articles import ArticleStore

T0 = datetime(2024, 7, 13, 8, 0, tzinfo=UTC)


def cli(tmp_path, database_url: str, *args: str) -> subprocess.CompletedProcess:
    config = tmp_path / "newsarchive.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n[storage]\ndata_dir = "{tmp_path / "data"}"\n')
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSARCHIVE_DATABASE_URL", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-m", "scheduler", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def seed(conn) -> None:
    kabul = timezone(timedelta(hours=4, minutes=30))
    ArticleStore(conn).store_many(
        [
            ArticleItem(
                Article(
                    url="https://www.khaama.com/a-1/",
                    title="Kabul, \u0627\u0641\u063a\u0627\u0646\u0633\u062a\u0627\u0646",
                    authors=("Khaama Press", "A. Writer"),
                    published_at=datetime(2021, 3, 25, 9, 30, tzinfo=kabul),
                    tags=("NATO", "US"),
                    body='Line one,\nline "two".',
                ),
                "khaama",
                "https://www.khaama.com/a-1/",
                "<urn:uuid:1>",
                T0,
            ),
            ArticleItem(
                Article(url="https://other.example/b/", title="Day only", published_at=date(2024, 7, 1)),
                "other",
                "https://other.example/b/",
                "<urn:uuid:2>",
                T0,
            ),
        ]
    )


def test_export_jsonl(tmp_path, database_url, db_conn):
    seed(db_conn)
    result = cli(tmp_path, database_url, "export")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["url"] for record in records] == ["https://www.khaama.com/a-1/", "https://other.example/b/"]
    first, second = records
    assert list(first) == [
        "url", "source", "title", "authors", "published_at", "date_precision", "modified_at", "section", "tags",
        "language", "summary", "body", "image_url", "first_seen_at", "last_seen_at", "version",
    ]  # fmt: skip
    assert first["title"] == "Kabul, \u0627\u0641\u063a\u0627\u0646\u0633\u062a\u0627\u0646"
    assert first["authors"] == ["Khaama Press", "A. Writer"]
    assert first["published_at"] == "2021-03-25T05:00:00+00:00"
    assert (first["date_precision"], first["modified_at"], first["version"]) == ("second", None, 1)
    assert first["first_seen_at"] == "2024-07-13T08:00:00+00:00"
    assert (second["published_at"], second["date_precision"], second["tags"]) == ("2024-07-01", "day", [])


def test_export_csv_filtered_to_file(tmp_path, database_url, db_conn):
    seed(db_conn)
    out = tmp_path / "out.csv"
    result = cli(tmp_path, database_url, "export", "--format", "csv", "--source", "khaama", "--output", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 1
    assert rows[0]["authors"] == "Khaama Press; A. Writer"
    assert rows[0]["body"] == 'Line one,\nline "two".'
    assert "exported 1 articles" in result.stderr


def test_export_since(tmp_path, database_url, db_conn):
    seed(db_conn)
    result = cli(tmp_path, database_url, "export", "--since", "2024-01-01")
    assert [json.loads(line)["url"] for line in result.stdout.splitlines()] == ["https://other.example/b/"]
    assert cli(tmp_path, database_url, "export", "--since", "yesterday").returncode == 2


def test_export_database_unavailable(tmp_path):
    result = cli(tmp_path, "postgresql://postgres:secret@127.0.0.1:1/postgres", "export")
    assert result.returncode == 69
    assert "secret" not in result.stderr
    assert "***" in result.stderr


def test_db_migrate(tmp_path, admin_database_url, database_url):
    result = cli(tmp_path, database_url, "db", "migrate")
    assert result.returncode == 0, result.stderr
    assert "schema up to date" in result.stdout
