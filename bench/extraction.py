"""Extraction bench: body precision/recall/F1 and ms/page per mode, metadata scores ours vs trafilatura's.

Usage: ``python bench/extraction.py [--mode default|fast|both] [--quick] [--bodies DIR] [--metadata DIR]``.
The last line holds every number as ``key=value`` pairs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.metrics import BodyScore, byline_matches, day_matches, score_bodies, title_matches
from crawler.errors import NotAnArticle
from crawler.extract import extract_article
from crawler.extract._decode import decode_html
from crawler.extract._document import clean_text, parse_html
from crawler.extract._language import primary_tag
from crawler.extract.metadata import extract_metadata

EVAL = Path("/work/shared/eval")
QUICK_PAGES = 20


@dataclass
class BodyRun:
    """One mode over the body set."""

    mode: str
    score: BodyScore
    millis: list[float]
    cpu_millis: list[float]
    not_articles: int

    def summary(self) -> dict[str, float | int]:
        return {
            f"{self.mode}_precision": round(self.score.precision, 4),
            f"{self.mode}_recall": round(self.score.recall, 4),
            f"{self.mode}_f1": round(self.score.f1, 4),
            f"{self.mode}_ms_median": _median(self.millis),
            f"{self.mode}_ms_p95": _p95(self.millis),
            f"{self.mode}_cpu_ms_median": _median(self.cpu_millis),
            f"{self.mode}_cpu_ms_p95": _p95(self.cpu_millis),
            f"{self.mode}_not_article": self.not_articles,
        }


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1) if values else 0.0


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 1) if ordered else 0.0


def load_bodies(folder: Path, quick: bool) -> list[tuple[str, str, str, bytes]]:
    """(id, url, expected body, raw HTML) per page of an article-extraction set."""
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[:QUICK_PAGES] if quick else sorted(truth)
    return [(i, truth[i]["url"], truth[i]["articleBody"], _gunzip(folder / "html" / f"{i}.html.gz")) for i in ids]


def _gunzip(path: Path) -> bytes:
    with gzip.open(path) as file:
        return file.read()


def run_bodies(pages: list[tuple[str, str, str, bytes]], mode: str) -> BodyRun:
    extract_article(pages[0][3], pages[0][1], mode=mode)  # warm up imports and caches outside the timing
    pairs, millis, cpu_millis, refused = [], [], [], 0
    for _, url, truth, raw in pages:
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            body = extract_article(raw, url, mode=mode).body
        except NotAnArticle:
            body, refused = "", refused + 1
        millis.append((time.perf_counter() - started) * 1000)
        cpu_millis.append((time.process_time() - cpu_started) * 1000)
        pairs.append((truth, body))
    return BodyRun(mode, score_bodies(pairs), millis, cpu_millis, refused)


def run_metadata(folder: Path, quick: bool) -> dict[str, float | int]:
    """Title, byline and day-of-publication scores on a metadata set, ours and trafilatura's."""
    from trafilatura.metadata import extract_metadata as trafilatura_metadata

    expected = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
    names = sorted(expected)[:QUICK_PAGES] if quick else sorted(expected)
    hits = {key: 0 for key in ("ours_title", "ours_authors", "ours_date", "traf_title", "traf_authors", "traf_date")}
    counts = {"title": 0, "authors": 0, "date": 0}
    language_pages = language_hits = 0
    for name in names:
        want = expected[name]
        html = clean_text(decode_html(_gunzip(folder / "pages" / f"{name}.html.gz")))
        ours = extract_metadata(parse_html(html), "")
        theirs = trafilatura_metadata(html)
        ours_date = ours.published_at.isoformat() if ours.published_at else None
        checks = {
            "title": (want.get("title"), title_matches, ours.title, theirs.title),
            "authors": (
                want.get("byline"),
                byline_matches,
                list(ours.authors),
                (theirs.author or "").replace(";", ","),
            ),
            "date": (want.get("publishedTime"), day_matches, ours_date, theirs.date),
        }
        if want.get("lang"):
            # Language from markup only here (metadata step); trafilatura's metadata has no language to compare.
            language_pages += 1
            language_hits += ours.language == primary_tag(want["lang"])
        for field, (target, match, mine, other) in checks.items():
            if target:
                counts[field] += 1
                hits[f"ours_{field}"] += match(target, mine)
                hits[f"traf_{field}"] += match(target, other)
    result: dict[str, float | int] = {f"meta_{field}_pages": count for field, count in counts.items()}
    result["meta_language_pages"] = language_pages
    result["meta_ours_language"] = round(language_hits / language_pages, 4) if language_pages else 0.0
    for key, value in hits.items():
        field = key.split("_", 1)[1]
        result[f"meta_{key}"] = round(value / counts[field], 4) if counts[field] else 0.0
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["default", "fast", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help=f"only the first {QUICK_PAGES} pages of each set")
    parser.add_argument("--bodies", type=Path, default=EVAL / "article-extraction-dev")
    parser.add_argument("--metadata", type=Path, default=EVAL / "metadata-dev")
    parser.add_argument("--no-metadata", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    totals: dict[str, float | int] = {}
    pages = load_bodies(args.bodies, args.quick)
    for mode in ("default", "fast") if args.mode == "both" else (args.mode,):
        run = run_bodies(pages, mode)
        totals.update(run.summary())
        print(
            f"body {mode:7} pages={len(pages)} P={run.score.precision:.4f} R={run.score.recall:.4f} "
            f"F1={run.score.f1:.4f} ms/page median={totals[f'{mode}_ms_median']} p95={totals[f'{mode}_ms_p95']} "
            f"(CPU median={totals[f'{mode}_cpu_ms_median']} p95={totals[f'{mode}_cpu_ms_p95']}) "
            f"not-an-article={run.not_articles}"
        )
    if not args.no_metadata:
        meta = run_metadata(args.metadata, args.quick)
        totals.update(meta)
        for field in ("title", "authors", "date"):
            print(
                f"metadata {field:7} pages={meta[f'meta_{field}_pages']} ours={meta[f'meta_ours_{field}']:.4f} "
                f"trafilatura={meta[f'meta_traf_{field}']:.4f}"
            )
        print(f"metadata language pages={meta['meta_language_pages']} ours={meta['meta_ours_language']:.4f}")
    print(" ".join(f"{key}={value}" for key, value in totals.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
