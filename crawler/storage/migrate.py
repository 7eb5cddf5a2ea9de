"""Schema migrations: plain SQL files applied in order under an advisory lock, recorded in schema_migrations."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import resources

import psycopg

from crawler.storage.database import connect

log = logging.getLogger(__name__)

MIGRATION_LOCK = 0x6E657773_6D696772  # "newsmigr": one key for every process migrating this database


@dataclass(frozen=True)
class Migration:
    version: str
    """The file name's number prefix, e.g. ``0001``."""
    name: str
    sql: str


def migrations() -> list[Migration]:
    """The bundled migrations in apply order."""
    folder = resources.files("crawler.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = entry.name.split("_", 1)[0]
            found.append(Migration(version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda migration: migration.version)


def migrate(url: str) -> list[str]:
    """Apply every pending migration to the database at ``url``; the names applied (empty when up to date)."""
    with connect(url, autocommit=True) as conn:
        return migrate_connection(conn)


def migrate_connection(conn: psycopg.Connection) -> list[str]:
    """Apply pending migrations on an autocommit connection; concurrent callers wait on the advisory lock."""
    conn.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        applied = []
        for migration in migrations():
            if migration.version in done:
                continue
            with conn.transaction():
                conn.execute(migration.sql.encode("utf-8"))
                conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                    [migration.version, migration.name],
                )
            log.info("applied migration %s", migration.name)
            applied.append(migration.name)
        return applied
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])


def pending(conn: psycopg.Connection) -> list[str]:
    """Names of migrations not yet applied (all of them on an empty database)."""
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()[0]
    done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")} if exists else set()
    return [migration.name for migration in migrations() if migration.version not in done]
