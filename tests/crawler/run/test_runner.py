"""CrawlRunner: both ways of starting a crawl (fresh process, fork server) end by themselves or at the deadline."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import parse_config
from crawler.run.outcome import fetch_errors, judge
from crawler.run.runner import CrawlRunner
from crawler.run.spec import RunSpec
from tests.scheduler.daemon_process import process_gone


def spec_for(tmp_path: Path, base_url: str, *start_paths: str) -> RunSpec:
    """A database-less run (WARCs only) of the replica with the given start pages."""
    config = parse_config(
        {
            "storage": {"data_dir": str(tmp_path / "data")},
            "sources": [
                {
                    "name": "replica",
                    "spider": "news",
                    "start_urls": [base_url + path for path in start_paths],
                    "allowed_domains": ["127.0.0.1"],
                    "download_delay": "0s",
                }
            ],
        }
    )
    source = config.source("replica")
    return RunSpec.for_source(config, source, run_id=None, database_url="", log_format="json", log_level="WARNING")


@pytest.mark.parametrize("forked", [False, True], ids=["process", "forked"])
def test_a_crawl_ends_by_itself_and_reports_its_stats(tmp_path: Path, publisher, forked: bool) -> None:
    runner = CrawlRunner(spec_for(tmp_path, publisher.base_url, "/"), deadline=120, forked=forked)
    runner.start()
    result = runner.wait()
    assert result.returncode == 0 and result.cancelled is None
    assert result.stats["downloader/response_count"] >= 1
    assert judge(result.stats, cancelled=result.cancelled, returncode=result.returncode).status == "finished"
    assert list((tmp_path / "data" / "archive").rglob("*.warc.gz"))
    assert not runner.stats_path.parent.exists()  # its work folder is cleaned up


@pytest.mark.parametrize("forked", [False, True], ids=["process", "forked"])
def test_a_crawl_past_its_deadline_is_stopped_and_judged_cancelled(tmp_path: Path, publisher, forked: bool) -> None:
    spec = spec_for(tmp_path, publisher.base_url, "/", "/faults/slow/?seconds=60")
    runner = CrawlRunner(spec, deadline=3, grace=6, forked=forked)
    runner.start()
    result = runner.wait()
    assert result.cancelled == "deadline"
    assert result.duration < 3 + 6 + 5
    assert process_gone(runner.process.pid)
    outcome = judge(result.stats, cancelled=result.cancelled, returncode=result.returncode)
    assert outcome.status == "cancelled" and outcome.error == "stopped: deadline"
    assert not list((tmp_path / "data" / "archive").rglob("*.open"))  # closed on the graceful stop


def test_the_verdict_follows_the_stats() -> None:
    """The outcome table: Scrapy exits 0 even when every request failed, so the stats decide."""
    ok = {"finish_reason": "finished", "downloader/response_count": 10, "downloader/request_count": 10}
    assert judge(ok).status == "finished"
    assert judge(None, returncode=-9).status == "failed"
    assert judge({**ok, "downloader/response_count": 0}).error == "fetched nothing"
    assert judge({**ok, "finish_reason": "shutdown"}).status == "cancelled"
    assert judge({**ok, "finish_reason": "warc_error", "newsarchive/warc/error": "disk full"}).error == (
        "crawl ended: warc_error (disk full)"
    )
    unstored = judge({**ok, "newsarchive/articles/unstored": 3})
    assert (unstored.status, unstored.error) == ("degraded", "3 articles not stored (they are in the WARCs)")
    many_errors = judge({**ok, "newsarchive/spider/fetch_errors/timeout": 2})
    assert many_errors.status == "degraded" and "2 of 10 requests failed" in many_errors.error
    assert judge({**ok, "newsarchive/spider/fetch_errors/timeout": 1}).status == "finished"  # within the 10 % tolerance
    renders = judge({**ok, "newsarchive/render/pages": 3, "newsarchive/render/given_up/timeout": 1})
    assert (renders.status, renders.error) == (
        "degraded",
        "1 page renders given up (timeout: 1); their pages are archived",
    )


def test_fetch_errors_of_runs_stored_before_the_keys_were_namespaced_still_count() -> None:
    stored = {"newsarchive/fetch_errors/article": 2, "newsarchive/spider/fetch_errors/feed": 1}
    assert fetch_errors(stored) == 3
