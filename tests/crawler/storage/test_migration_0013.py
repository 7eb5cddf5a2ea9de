"""Migration 0013 on a database that already holds captures, files and runs: converted in place, by the rule."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest

from crawler.storage import runs
from crawler.storage.capturerule import keeps_row
from crawler.storage.captures import CaptureStore, _values
from crawler.storage.database import connect, with_database
from crawler.storage.migrate import migrate, migrations
from tests.crawler.storage.test_partitions import KEPT, every_kind_of_record

JANUARY = datetime(2025, 1, 15, 10, 0, tzinfo=UTC)
NOW = datetime.now(UTC)
_OLD_INSERT = (
    "INSERT INTO captures (filename, record_offset, record_length, record_id, record_type, surt, url, captured_at,"
    " status, mime, payload_digest, refers_to, concurrent_to, source, page_kind, run_id)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


@pytest.fixture
def old_database(admin_database_url: str) -> Iterator[str]:
    """A database migrated up to 0012 only, as a deployment before this change has it."""
    name = f"newsarchive_test_{secrets.token_hex(6)}"
    with connect(admin_database_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = with_database(admin_database_url, name)
    try:
        with connect(url, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE schema_migrations (version text PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            for migration in migrations():
                if migration.version >= "0013":
                    break
                with conn.transaction():
                    conn.execute(migration.sql.encode("utf-8"))
                    conn.execute("INSERT INTO schema_migrations VALUES (%s, %s)", [migration.version, migration.name])
        yield url
    finally:
        with connect(admin_database_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fill_old_schema(conn: psycopg.Connection) -> dict[str, dict]:
    """Every kind of record in January and this month (one row each, as before), two files, three runs."""
    records = {"january": every_kind_of_record(JANUARY, start=1), "now": every_kind_of_record(NOW, start=2)}
    with conn.cursor() as cursor:
        for batch in records.values():
            cursor.executemany(_OLD_INSERT, [_values(item) for item in batch.values()])
    # Complete: as many rows as records. Short: its last rows never reached the index.
    conn.execute("INSERT INTO warc_files (filename, path, records) VALUES ('complete.warc.gz', '/a', 0)")
    conn.execute("INSERT INTO warc_files (filename, path, records) VALUES ('short.warc.gz', '/b', 99)")
    conn.execute(
        "INSERT INTO crawl_runs (source, trigger, started_at, finished_at, status, stats) VALUES"
        " ('src', 'cron', %s, %s, 'finished', '{\"finish_reason\": \"finished\"}'),"
        " ('src', 'cron', %s, NULL, 'running', NULL), ('(replay)', 'replay', %s, %s, 'finished', %s)",
        [JANUARY, JANUARY, NOW, NOW, NOW, '{"files_done": [["x.warc.gz", 5]]}'],
    )
    return records


def test_existing_rows_are_converted_in_place_by_the_rule(old_database: str) -> None:
    with connect(old_database, autocommit=True) as conn:
        records = fill_old_schema(conn)
        run_ids = [r[0] for r in conn.execute("SELECT id FROM crawl_runs ORDER BY id")]
        captures_before = {r[0]: r[1] for r in conn.execute("SELECT record_id, id FROM captures")}

    assert migrate(old_database) == ["0013_partitions.sql"]

    with connect(old_database, autocommit=True) as conn:
        kinds = dict(conn.execute("SELECT relname, relkind FROM pg_class WHERE relname IN ('captures', 'crawl_runs')"))
        assert kinds == {"captures": "p", "crawl_runs": "p"}
        parts = {
            r[0] for r in conn.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid")
        }
        assert {"captures_2025_01", "crawl_runs_2025_01", f"captures_{NOW:%Y_%m}", f"crawl_runs_{NOW:%Y_%m}"} <= parts
        kept = {item.record_id for batch in records.values() for item in batch.values() if keeps_row(item)}
        assert len(kept) == 2 * len(KEPT)
        after = {r[0]: r[1] for r in conn.execute("SELECT record_id, id FROM captures")}
        assert after == {record_id: captures_before[record_id] for record_id in kept}  # same ids, rule applied
        # The short file lost its row, so the next run indexes it from the file again.
        assert [r[0] for r in conn.execute("SELECT filename FROM warc_files")] == ["complete.warc.gz"]
        assert [r[0] for r in conn.execute("SELECT id FROM crawl_runs ORDER BY id")] == run_ids
        with pytest.raises(runs.RunAlreadyRunning):
            runs.start_run(conn, "src", "manual")  # the running row still counts
        new_run = runs.start_run(conn, "other", "manual")
        assert new_run > max(run_ids)
        new_rows = every_kind_of_record(NOW, start=3)
        assert CaptureStore(conn).add_captures(list(new_rows.values())) == len(KEPT)
        assert conn.execute("SELECT min(id) FROM captures WHERE record_id LIKE '<3%'").fetchone()[0] > max(
            captures_before.values()
        )
