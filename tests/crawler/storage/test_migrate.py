"""Migrations: the schema applies, re-applying is a no-op, and concurrent migrators do not collide."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor

from crawler.storage.database import connect, with_database
from crawler.storage.migrate import migrate, migrations, pending


def test_schema_has_contract_objects(db_conn):
    tables = {row[0] for row in db_conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {
        "sources",
        "crawl_runs",
        "warc_files",
        "captures",
        "article_records",
        "article_versions",
        "schema_migrations",
    } <= tables
    columns = [
        row[0]
        for row in db_conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'articles' ORDER BY ordinal_position"
        )
    ]
    assert columns == [
        "url",
        "source",
        "title",
        "authors",
        "published_at",
        "date_precision",
        "modified_at",
        "section",
        "tags",
        "language",
        "summary",
        "body",
        "image_url",
        "first_seen_at",
        "last_seen_at",
        "version",
    ]


def test_migrate_again_is_noop(database_url, db_conn):
    assert migrate(database_url) == []
    assert pending(db_conn) == []
    count = db_conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0]
    assert count == len(migrations())


def test_concurrent_migrations_apply_once(admin_database_url):
    name = f"newsarchive_test_{secrets.token_hex(6)}"
    with connect(admin_database_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = with_database(admin_database_url, name)
    try:
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(migrate, [url] * 4))
        applied = [names for names in results if names]
        assert len(applied) == 1
        assert applied[0] == [migration.name for migration in migrations()]
        with connect(url) as conn:
            assert pending(conn) == []
    finally:
        with connect(admin_database_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_lz4_compression_on_large_text(db_conn):
    supported = db_conn.execute(
        "SELECT 'lz4' = ANY (enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    ).fetchone()[0]
    methods = dict(
        db_conn.execute(
            "SELECT attname, attcompression FROM pg_attribute"
            " WHERE attrelid = 'article_versions'::regclass AND attname IN ('body', 'summary')"
        ).fetchall()
    )
    expected = "l" if supported else ""
    assert methods == {"body": expected, "summary": expected}
