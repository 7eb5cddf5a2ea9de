"""The one stderr handler: the project's and Scrapy's INFO lines shown, other libraries' only from WARNING up."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from crawler.logs import setup_logging


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _log_everywhere() -> None:
    for name in ("crawler.spiders.news", "scheduler.cli", "scrapy.core.engine", "newspaper.network", "urllib3"):
        logging.getLogger(name).info("info from %s", name)
        logging.getLogger(name).warning("warning from %s", name)


def test_third_party_info_is_dropped_ours_and_scrapys_kept(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO", "text")
    _log_everywhere()
    output = capsys.readouterr().err
    for name in ("crawler.spiders.news", "scheduler.cli", "scrapy.core.engine"):
        assert f"info from {name}" in output
    assert "info from newspaper.network" not in output and "info from urllib3" not in output
    assert "warning from newspaper.network" in output and "warning from urllib3" in output


def test_debug_shows_every_library(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("DEBUG", "text")
    _log_everywhere()
    assert "info from newspaper.network" in capsys.readouterr().err
