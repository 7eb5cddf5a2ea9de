"""The one logging rule: the project's and Scrapy's own INFO lines shown, Scrapy's start-up tables and stats dump only
at DEBUG, other libraries only from WARNING up; text at a terminal, JSON elsewhere or when asked."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from crawler.logs import active_format, log_format, setup_logging


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _log_everywhere() -> None:
    for name in ("crawler.spiders.news", "scheduler.cli", "scrapy.extensions.logstats", "newspaper.network", "urllib3"):
        logging.getLogger(name).info("info from %s", name)
        logging.getLogger(name).warning("warning from %s", name)


def test_third_party_info_is_dropped_ours_and_scrapys_kept(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO", "text")
    _log_everywhere()
    output = capsys.readouterr().err
    for name in ("crawler.spiders.news", "scheduler.cli", "scrapy.extensions.logstats"):
        assert f"info from {name}" in output
    assert "info from newspaper.network" not in output and "info from urllib3" not in output
    assert "warning from newspaper.network" in output and "warning from urllib3" in output


def test_debug_shows_every_library(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("DEBUG", "text")
    _log_everywhere()
    assert "info from newspaper.network" in capsys.readouterr().err


def _scrapy_start_up() -> None:
    logging.getLogger("scrapy.utils.log").info("Versions:\n{'lxml': '6.2.1',\n 'Twisted': '26.10.0'}")
    logging.getLogger("scrapy.crawler").info("Overridden settings:\n{'BOT_NAME': 'newsarchive'}")
    logging.getLogger("scrapy.middleware").info("Enabled downloader middlewares:\n['scrapy.Offsite']")
    logging.getLogger("scrapy.statscollectors").info("Dumping Scrapy stats:\n{'downloader/request_count': 7}")
    logging.getLogger("scrapy.core.engine").warning("a warning of the engine")


def test_scrapy_start_up_tables_and_stats_dump_are_debug_lines(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO", "text")
    _scrapy_start_up()
    output = capsys.readouterr().err
    assert output.splitlines() == [line for line in output.splitlines() if "a warning of the engine" in line]
    assert len(output.splitlines()) == 1  # one line per event

    setup_logging("DEBUG", "text")
    _scrapy_start_up()
    output = capsys.readouterr().err
    assert "DEBUG   scrapy.crawler: Overridden settings" in output and "Dumping Scrapy stats" in output


def test_the_format_is_asked_for_or_follows_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    assert log_format("json") == "json" and log_format("text") == "text"
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert log_format(None) == "text"
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    assert log_format(None) == "json"
    with pytest.raises(ValueError):
        log_format("yaml")


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_processes_started_later_are_told_the_format_in_force(fmt: str) -> None:
    setup_logging("INFO", fmt)
    assert active_format() == fmt


def test_json_lines_are_one_object_per_event(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO", "json")
    logging.getLogger("crawler.spiders.news").info("two\nlines")
    [line] = capsys.readouterr().err.splitlines()
    assert json.loads(line)["message"] == "two\nlines"
