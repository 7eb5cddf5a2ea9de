"""``bench/extraction.py`` end to end on a tiny data set of our own: report lines and the key=value summary."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from tests.crawler.extract.pages import KHAAMA_TITLE, KHAAMA_URL, PARAGRAPHS, khaama_page

BENCH = Path(__file__).resolve().parents[2] / "bench" / "extraction.py"


def test_bench_reports_scores_and_timings(tmp_path):
    bodies, metadata = tmp_path / "bodies", tmp_path / "metadata"
    (bodies / "html").mkdir(parents=True)
    (metadata / "pages").mkdir(parents=True)
    (bodies / "html" / "p1.html.gz").write_bytes(gzip.compress(khaama_page().encode()))
    truth = {"p1": {"articleBody": "\n".join(PARAGRAPHS), "url": KHAAMA_URL}}
    (bodies / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    (metadata / "pages" / "k.html.gz").write_bytes(gzip.compress(khaama_page().encode()))
    expected = {"k": {"title": KHAAMA_TITLE, "byline": "Khaama Press", "publishedTime": "2021-03-24T10:44:12+04:30"}}
    (metadata / "expected-metadata.json").write_text(json.dumps(expected), encoding="utf-8")

    result = subprocess.run(
        [sys.executable, str(BENCH), "--bodies", str(bodies), "--metadata", str(metadata)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    summary = dict(pair.split("=", 1) for pair in result.stdout.strip().splitlines()[-1].split())
    assert summary["default_f1"] == summary["fast_f1"] == "1.0"
    assert float(summary["default_ms_median"]) > 0
    assert summary["meta_ours_title"] == summary["meta_ours_authors"] == summary["meta_ours_date"] == "1.0"
    assert "meta_traf_title" in summary
