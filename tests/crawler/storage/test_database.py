"""Connecting: bounded retries ending in DatabaseUnavailable, URLs without passwords in messages, URL rewriting."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from psycopg.conninfo import make_conninfo

from crawler.config.schema import Config, DatabaseConfig
from crawler.errors import DatabaseUnavailable
from crawler.storage.database import connect, database_url, redact, with_database

DEAD = "postgresql://news:s3cret@127.0.0.1:1/newsarchive"


def test_connect_answers(database_url):
    with connect(database_url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_connect_retries_then_raises_redacted():
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable) as raised:
        connect(DEAD, attempts=3, retry_wait=0.1)
    assert time.monotonic() - started >= 0.2
    assert "s3cret" not in str(raised.value)
    assert "news:***@127.0.0.1:1" in str(raised.value)
    assert raised.value.__cause__ is not None


def test_a_refused_login_or_missing_database_is_not_retried(database_url, caplog):
    """The server answered no: waiting cannot change that, so the error comes at once (exit 69 without a wait)."""
    stranger = make_conninfo(database_url, user="nobody_x", password="pw")
    refused = [with_database(database_url, "no_such_database_here"), stranger]
    for url in refused:
        caplog.clear()
        with pytest.raises(DatabaseUnavailable) as raised:
            connect(url, attempts=3, retry_wait=5)
        assert "does not exist" in str(raised.value) or "authentication" in str(raised.value)
        assert not [r for r in caplog.records if "retrying" in r.getMessage()]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (DEAD, "postgresql://news:***@127.0.0.1:1/newsarchive"),
        ("postgresql://news@127.0.0.1/db?password=x&sslmode=disable", "postgresql://news@127.0.0.1/db?password=***&sslmode=disable"),
        ("host=127.0.0.1 user=news password=s3cret dbname=db", "user=news password=*** dbname=db host=127.0.0.1"),
        ("postgresql://postgres:@/postgres?host=/tmp/pg", "postgresql://postgres:***@/postgres?host=/tmp/pg"),
    ],
)  # fmt: skip
def test_redact(url, expected):
    assert redact(url) == expected


def test_with_database():
    assert with_database(DEAD, "other") == "postgresql://news:s3cret@127.0.0.1:1/other"
    assert with_database("postgresql://p:@/postgres?host=/tmp/pg", "x") == "postgresql://p:@/x?host=/tmp/pg"
    assert "dbname=x" in with_database("host=127.0.0.1 dbname=postgres", "x")


def test_database_url_prefers_the_configured_url(tmp_path):
    config = replace(Config(), database=DatabaseConfig(url=DEAD), data_dir=tmp_path)
    assert database_url(config) == DEAD
    assert not (tmp_path / "postgres").exists()
