"""``bench/extraction.py`` end to end on a tiny data set of our own: report lines and the key=value summary."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from tests.crawler.extract.pages import KHAAMA_TITLE, KHAAMA_URL, PARAGRAPHS, khaama_page

BENCH = Path(__file__).resolve().parents[2] / "bench" / "extraction.py"
SYSTEMS = ("ours", "traf", "np4k")
FIELDS = ("title", "authors", "day")


def _sets(tmp_path: Path) -> tuple[Path, Path, Path]:
    bodies, metadata = tmp_path / "bodies", tmp_path / "metadata"
    (bodies / "html").mkdir(parents=True)
    (metadata / "pages").mkdir(parents=True)
    (bodies / "html" / "p1.html.gz").write_bytes(gzip.compress(khaama_page().encode()))
    truth = {"p1": {"articleBody": "\n".join(PARAGRAPHS), "url": KHAAMA_URL}}
    (bodies / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    (metadata / "pages" / "k.html.gz").write_bytes(gzip.compress(khaama_page().encode()))
    expected = {"k": {"title": KHAAMA_TITLE, "byline": "Khaama Press", "publishedTime": "2021-03-24T10:44:12+04:30"}}
    (metadata / "expected-metadata.json").write_text(json.dumps(expected), encoding="utf-8")
    annotations = tmp_path / "annotations.json"
    labels = {"url": KHAAMA_URL, "title": KHAAMA_TITLE, "authors": ["Khaama Press"], "day": "2021-03-24"}
    annotations.write_text(json.dumps({"note": "test", "pages": {"p1": labels}}), encoding="utf-8")
    return bodies, metadata, annotations


def _summary(*args: str) -> tuple[str, dict[str, str]]:
    result = subprocess.run(
        [sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=300, check=True
    )
    return result.stdout, dict(pair.split("=", 1) for pair in result.stdout.strip().splitlines()[-1].split())


def test_bench_reports_scores_and_timings(tmp_path):
    bodies, _, _ = _sets(tmp_path)
    _, summary = _summary("--bodies", str(bodies), "--no-metadata")
    assert summary["default_f1"] == summary["fast_f1"] == "1.0"
    assert float(summary["default_ms_median"]) > 0
    assert not any(key.startswith("meta_") for key in summary)


def test_metadata_mode_scores_ours_and_both_libraries_alone_on_both_sets(tmp_path):
    bodies, metadata, annotations = _sets(tmp_path)
    stdout, summary = _summary(
        "--quick", "--metadata", str(metadata), "--bodies", str(bodies), "--annotations", str(annotations)
    )
    for prefix in ("meta", "annot"):
        for field in FIELDS:
            assert summary[f"{prefix}_{field}_pages"] == "1"
            for system in SYSTEMS:
                assert 0 <= float(summary[f"{prefix}_{system}_{field}"]) <= 1
            assert summary[f"{prefix}_ours_{field}"] == "1.0"
    assert not any(key.startswith("default_") for key in summary)  # metadata only: no body runs
    assert "metadata-dev title   pages=1 ours=1.0000 trafilatura=" in stdout
    assert "newspaper4k=" in stdout and "annotated authors" in stdout
