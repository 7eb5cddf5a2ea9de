"""``bench/recheck.py`` at a tiny size: the validated pass is answered 304 and extracts nothing, the plain one 200."""

from __future__ import annotations

from pathlib import Path

from tests.bench._scripts import run_script


def test_recheck_bench_compares_validated_and_plain_passes(admin_database_url: str, tmp_path: Path) -> None:
    _, pairs = run_script("recheck", "--articles", "8", admin_url=admin_database_url, cache=tmp_path)

    assert pairs["recheck_articles"] == pairs["not_modified"] == pairs["extracted_plain"] == "8"
    assert pairs["extracted_validated"] == "0"
    assert int(pairs["bytes_validated"]) < int(pairs["bytes_plain"])
