"""``bench/store.py --quick`` at a tiny size: new, unchanged and changed batches each do what they say."""

from __future__ import annotations

from pathlib import Path

from tests.bench._scripts import run_script


def test_store_quick_reports_rates(admin_database_url: str, tmp_path: Path):
    args = ("--articles", "60", "--batch", "25")
    output, pairs = run_script("store", *args, admin_url=admin_database_url, cache=tmp_path)

    assert set(pairs) == {"store_new_rows_s", "store_unchanged_rows_s", "store_changed_rows_s", "batch"}
    assert all(float(value) > 0 for value in pairs.values())
    assert "(new 60, updated 0, unchanged 0; batch 25)" in output
    assert "(new 0, updated 0, unchanged 60; batch 25)" in output
    assert "(new 0, updated 60, unchanged 0; batch 25)" in output
