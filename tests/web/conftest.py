"""The reading-room tests' archive, crawled once for the whole package (two crawls of the replica)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web._room import Archive, crawled_archive


@pytest.fixture(scope="package")
def archive(admin_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    with crawled_archive(admin_database_url, tmp_path_factory.mktemp("room")) as crawled:
        yield crawled
