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


def _open_web(tmp_path: Path, title: str = KHAAMA_TITLE) -> Path:
    """A one-page open-web set: the README's annotation shape (``{url: {file, title, author, date}}``)."""
    folder = tmp_path / "open-web"
    (folder / "pages").mkdir(parents=True)
    (folder / "pages" / "k.html.gz").write_bytes(gzip.compress(khaama_page().encode()))
    labels = {KHAAMA_URL: {"file": "pages/k.html.gz", "title": f"\u201c{title}\u201d", "author": "Khaama Press"}}
    labels[KHAAMA_URL]["date"] = "2021-03-24"
    (folder / "annotations.json").write_text(json.dumps(labels), encoding="utf-8")
    return folder


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=300)


def _summary(*args: str) -> tuple[str, dict[str, str]]:
    result = _run(*args)
    assert result.returncode == 0, result.stderr[-3000:]
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
        "--quick",
        "--metadata",
        str(metadata),
        "--bodies",
        str(bodies),
        "--annotations",
        str(annotations),
        "--open-web",
        str(_open_web(tmp_path)),
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
    assert "htmldate=" in stdout and "CPU ms/page" in stdout


def test_open_web_set_is_scored_by_its_rules_per_language(tmp_path):
    bodies, metadata, annotations = _sets(tmp_path)
    args = ["--metadata", str(metadata), "--bodies", str(bodies), "--annotations", str(annotations)]
    stdout, summary = _summary(*args, "--open-web", str(_open_web(tmp_path)))
    # Quotes around the annotated title and case are folded away; the day is the page's own.
    assert summary["web_ours_title"] == summary["web_ours_authors"] == summary["web_ours_day"] == "1.0"
    assert summary["web_title_pages"] == "1"
    assert 0 <= float(summary["web_hd_day"]) <= 1 and "web_hd_title" not in summary
    assert float(summary["web_ours_cpu_ms"]) > 0 and "web_ours_cpu_vs_traf" in summary
    assert "open-web title   pages=1 ours=1.0000 trafilatura=" in stdout


def test_check_mode_fails_below_the_floors_and_passes_above(tmp_path):
    good = _run("--check", "--open-web", str(_open_web(tmp_path / "good")))
    assert good.returncode == 0, good.stderr
    assert "web_ours_title=1.0" in good.stdout and "trafilatura" not in good.stdout  # ours alone
    bad = _run("--check", "--open-web", str(_open_web(tmp_path / "bad", title="Another headline entirely")))
    assert bad.returncode == 1
    assert "below the floors: title 0.0 <" in bad.stderr


def test_check_mode_without_the_set_is_a_usage_error(tmp_path):
    missing = _run("--check", "--open-web", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no open-web set" in missing.stderr
