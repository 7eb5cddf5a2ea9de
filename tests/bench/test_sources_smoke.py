"""``bench/sources.py --quick``: both run paths and the scaling run report, and every run ended well."""

from __future__ import annotations

from pathlib import Path

from tests.bench._scripts import run_script


def test_sources_quick_reports_fork_process_and_worker_figures(admin_database_url: str, tmp_path: Path):
    output, pairs = run_script("sources", "--quick", admin_url=admin_database_url, cache=tmp_path, timeout=240)

    values = {key: float(value) for key, value in pairs.items()}
    assert set(values) == {
        "fork_cpu_s",
        "process_cpu_s",
        "cpu_ratio",
        "runs_per_core_hour",
        "workers1_runs_min",
        "workers1_cpu_s",
        "workers2_runs_min",
        "workers2_cpu_s",
    }
    assert all(value > 0 for value in values.values())
    assert abs(values["cpu_ratio"] - values["fork_cpu_s"] / values["process_cpu_s"]) < 0.01
    assert "8 sources, 8 ended well" in output and "3 ended well" in output
