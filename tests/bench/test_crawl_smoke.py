"""``bench/crawl.py --quick`` at a tiny size: the harness runs every side and reports the keys (no timing asserted)."""

from __future__ import annotations

from pathlib import Path

from tests.bench._scripts import run_script


def test_crawl_quick_reports_every_key(admin_database_url: str, tmp_path: Path):
    output, pairs = run_script("crawl", "--quick", "--pages", "40", admin_url=admin_database_url, cache=tmp_path)

    assert list(pairs)[:4] == ["crawl_ratio", "crawl_pages_s", "bare_pages_s", "peak_rss_mb"]
    values = {key: float(value) for key, value in pairs.items()}
    assert values["crawl_pages_s"] > 0 and values["bare_pages_s"] > 0 and values["peak_rss_mb"] > 0
    assert abs(values["crawl_ratio"] - values["crawl_pages_s"] / values["bare_pages_s"]) < 0.01
    assert "warc_ratio" in values and values["workers"] >= 1
    # Every side fetched the whole site, and the full crawl stored an item per article.
    lines = {line.split()[0]: line for line in output.splitlines() if " pages/s " in line and "responses" in line}
    assert set(lines) == {"bare", "full", "warc-only"}
    assert " 40 items" in lines["full"] and "finished" in lines["full"]
    assert "not the bottleneck" in output or "POSSIBLY" in output
