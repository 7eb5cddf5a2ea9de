"""``newsarchive extract``: HTML files (or a manifest of files with their URLs) to article JSON Lines on stdout."""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from crawler.errors import NotAnArticle
from crawler.extract import MAX_BYTES, MODES, extract_article
from scheduler import exitcodes

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "extract",
        help="extract articles from saved HTML files (JSON Lines on stdout)",
        description="Run the crawler's article extraction on saved pages, one JSON object per input on stdout. "
        "Needs neither the database nor the configuration. Files ending in .gz are gunzipped.",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="HTML file (.gz: gzip-compressed)")
    parser.add_argument("--url", help="the URL the FILEs were fetched from (evidence for dates and canonical links)")
    parser.add_argument(
        "--manifest", type=Path, metavar="LIST.jsonl", help='lines of {"file": PATH, "url": URL} instead of FILEs'
    )
    parser.add_argument("--mode", choices=list(MODES), default="default", help="extraction mode (default: default)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if bool(args.files) == bool(args.manifest):
        print("newsarchive extract: give FILE arguments or --manifest LIST.jsonl (one of them)", file=sys.stderr)
        return exitcodes.USAGE
    if args.manifest:
        try:
            inputs = list(_manifest(args.manifest))
        except OSError as error:
            print(f"newsarchive extract: cannot read manifest {args.manifest}: {error.strerror}", file=sys.stderr)
            return exitcodes.USAGE
    else:
        inputs = [{"file": name, "url": args.url} for name in args.files]
    for entry in inputs:
        _emit(sys.stdout, _extract_one(entry, args.mode))
    return exitcodes.OK


def _manifest(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                entry = None
            if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
                yield {"file": None, "error": f'manifest line {number}: expected {{"file": PATH, "url": URL}}'}
                continue
            yield entry


def _extract_one(entry: dict[str, Any], mode: str) -> dict[str, Any]:
    name = entry["file"]
    if "error" in entry:
        return {"file": name, "error": entry["error"]}
    url = entry.get("url") if isinstance(entry.get("url"), str) else None
    try:
        body = read_page(Path(name))
    except (OSError, EOFError, zlib.error) as error:
        return {"file": name, "error": _reason(error)}
    try:
        article = extract_article(body, url or "", mode=mode)
    except NotAnArticle as reason:
        log.debug("%s: not an article: %s", name, reason)
        return {"file": name, "error": "not an article"}
    record = article.to_json()
    record["url"] = record["url"] or url or None
    return {"file": name, **record}


def read_page(path: Path) -> bytes:
    """The file's bytes (gunzipped for ``.gz``), at most what extraction would look at."""
    if path.suffix == ".gz":
        with gzip.open(path) as compressed:
            return compressed.read(MAX_BYTES)
    with path.open("rb") as plain:
        return plain.read(MAX_BYTES)


def _reason(error: BaseException) -> str:
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, IsADirectoryError):
        return "is a directory"
    if isinstance(error, PermissionError):
        return "permission denied"
    if isinstance(error, gzip.BadGzipFile | EOFError | zlib.error):
        return f"not a valid gzip file: {error}"
    return getattr(error, "strerror", None) or str(error)


def _emit(stream: TextIO, record: dict[str, Any]) -> None:
    stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    stream.flush()
