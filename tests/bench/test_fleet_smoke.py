"""``bench/fleet.py --quick``: the daemon alone and the fleet for real both report, and the figures are sane."""

from __future__ import annotations

from pathlib import Path

from tests.bench._scripts import run_script


def test_fleet_quick_reports_daemon_queue_and_storage_figures(admin_database_url: str, tmp_path: Path) -> None:
    output, pairs = run_script("fleet", "--quick", admin_url=admin_database_url, cache=tmp_path, timeout=420)

    values = {key: float(value) for key, value in pairs.items()}
    assert values["daemon_sources"] == 5000 and values["fleet_sources"] == 40
    assert 0 < values["daemon_rss_mb"] < 2000 and values["daemon_tick_cpu_s_per_10k"] > 0
    assert values["unchanged_runs"] >= 40  # every publisher ran once more at least, all answered 304
    assert values["unchanged_runs_per_worker_core_hour"] > 100
    assert 0 < values["db_bytes_per_unchanged_run"] < 1_000_000
    assert 0 <= values["warc_files_per_1000_runs"] <= values["objects_per_1000_runs"]
    assert values["changed_round_new_articles"] == 2  # 5 % of 40 publishers had one new article each
    assert 0 <= values["free_latency_p50_s"] <= values["free_latency_p95_s"]
    assert 0 <= values["burst_latency_p50_s"] <= values["burst_latency_p95_s"]
    assert "unchanged round:" in output and "workers free" in output
