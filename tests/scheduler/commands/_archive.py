"""Shared set-up for the archive commands' tests: two crawls of the replica publisher, a second empty database."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

from crawler.storage.database import connect, with_database
from tests.support.cli import replica_source_toml, run_cli, write_config

REVISIT_WINDOW = 10**9
"""Seconds: every article is young enough to be refetched each run, so unchanged ones come back as revisits."""


def source_toml(base_url: str) -> str:
    return replica_source_toml(base_url, revisit_window=REVISIT_WINDOW)


def crawl_three_times(config: Path, publisher) -> None:
    """Crawls: a first; a second of the same site (articles refetched identical: revisits); one article corrected
    (which changes every page's sidebar), a third (a new version; the other articles seen again, unchanged)."""
    for change in (None, None, "A corrected headline"):
        if change:
            publisher.site.update_article(0, title=change)
        result = run_cli(config, "crawl", "replica")
        assert result.returncode == 0, result.stderr[-3000:]


def archive_dir(tmp_path: Path) -> Path:
    return tmp_path / "data" / "archive"


def empty_database(admin_database_url: str) -> Iterator[str]:
    """A new database with no schema at all (replay must migrate it), dropped afterwards: a fixture's body."""
    name = f"newsarchive_test_{secrets.token_hex(6)}"
    with connect(admin_database_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(admin_database_url, name)
    finally:
        with connect(admin_database_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rebuilt_config(tmp_path: Path, database_url: str, base_url: str) -> Path:
    folder = tmp_path / "rebuilt"
    folder.mkdir(exist_ok=True)
    return write_config(folder, database_url, source_toml(base_url))
