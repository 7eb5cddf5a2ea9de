"""Extraction bench: body precision/recall/F1 and ms/page per mode, metadata scores ours vs the libraries alone.

Usage: ``python bench/extraction.py [--mode default|fast|both] [--quick] [--bodies DIR] [--metadata [DIR]]
[--annotations FILE]``. ``--metadata`` scores metadata only: title, authors and day of ours, trafilatura's and
newspaper4k's, on Readability's test pages (``meta_*`` keys) and on our annotations of the body set (``annot_*``).
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

from bench.metadata import annotated_set, readability_set, report_lines, score_set
from bench.metrics import BodyScore, score_bodies
from crawler.errors import NotAnArticle
from crawler.extract import extract_article

EVAL = Path("/work/shared/eval")
ANNOTATIONS = Path(__file__).resolve().parent / "data" / "metadata-annotations.json"
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["default", "fast", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help=f"only the first {QUICK_PAGES} pages of each set")
    parser.add_argument("--bodies", type=Path, default=EVAL / "article-extraction-dev")
    parser.add_argument(
        "--metadata",
        type=Path,
        nargs="?",
        const=EVAL / "metadata-dev",
        help="metadata scores only (no body runs), on this Readability-style set (default: %(const)s)",
    )
    parser.add_argument("--annotations", type=Path, default=ANNOTATIONS, help="hand annotations of the body set")
    parser.add_argument("--no-metadata", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    totals: dict[str, float | int] = {}
    if args.metadata is None:
        totals.update(_bodies(args))
    if not args.no_metadata:
        totals.update(_metadata(args))
    print(" ".join(f"{key}={value}" for key, value in totals.items()))
    return 0


def _bodies(args: argparse.Namespace) -> dict[str, float | int]:
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
    return totals


def _metadata(args: argparse.Namespace) -> dict[str, float | int]:
    limit = QUICK_PAGES if args.quick else None
    totals: dict[str, float | int] = {}
    sets = [("metadata-dev", "meta", readability_set(args.metadata or EVAL / "metadata-dev", limit))]
    if args.annotations.exists():
        sets.append(("annotated", "annot", annotated_set(args.annotations, args.bodies, limit)))
    for label, prefix, pages in sets:
        result = score_set(prefix, pages)
        totals.update(result)
        print("\n".join(report_lines(label, prefix, result)))
    return totals


if __name__ == "__main__":
    sys.exit(main())
