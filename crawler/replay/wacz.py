"""WACZ packages of the archive (py-wacz): the WARC files of a source or time range, with the articles as pages."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg

from crawler.errors import ArchiveError
from crawler.warc.objectstore import is_store_uri
from crawler.warc.records import warc_date

log = logging.getLogger(__name__)

_FILES = """
SELECT DISTINCT filename FROM captures
WHERE (%(source)s::text IS NULL OR source = %(source)s)
  AND (%(since)s::timestamptz IS NULL OR captured_at >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR captured_at < %(until)s)
"""
_ORIGINAL_FILES = """
SELECT DISTINCT o.filename FROM captures r JOIN captures o ON o.record_id = r.refers_to
WHERE r.filename = ANY(%s) AND r.record_type = 'revisit'
"""
_PAGES = """
SELECT c.url, c.captured_at, coalesce(v.title, latest.title) FROM captures c
LEFT JOIN article_versions v ON v.warc_record_id = c.record_id
LEFT JOIN LATERAL (
    SELECT title FROM article_versions w WHERE w.fetched_url = c.url ORDER BY w.seen_at DESC LIMIT 1
) latest ON true
WHERE c.filename = ANY(%(files)s) AND c.page_kind = 'article' AND c.record_type IN ('response', 'revisit')
  AND c.status BETWEEN 200 AND 299
  AND (%(source)s::text IS NULL OR c.source = %(source)s)
  AND (%(since)s::timestamptz IS NULL OR c.captured_at >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR c.captured_at < %(until)s)
ORDER BY c.captured_at, c.url
"""


@dataclass(frozen=True)
class Selection:
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    """Exclusive."""

    def params(self) -> dict[str, object]:
        return {"source": self.source, "since": self.since, "until": self.until}


@dataclass(frozen=True)
class Package:
    path: Path
    warc_files: list[Path]
    pages: int


Fetch = Callable[[str], Path]
"""Downloads a WARC object by its ``s3://`` URI and returns the local copy."""


def select_files(
    conn: psycopg.Connection, selection: Selection, search_dirs: list[Path], fetch: Fetch | None = None
) -> list[Path]:
    """WARC files holding captures of the selection, plus those holding the originals their revisits point at.

    Whole files: a file may also hold records just outside the range (a crawl run's files are not split). Files
    recorded as objects (``s3://``) are fetched with ``fetch`` when no local copy is found.
    """
    names = [row[0] for row in conn.execute(_FILES, selection.params())]
    if names:
        names += [row[0] for row in conn.execute(_ORIGINAL_FILES, [names]) if row[0] not in names]
    paths = []
    for name in sorted(set(names)):
        path = _find(conn, name, search_dirs, fetch)
        if path is None:
            where = ", ".join(map(str, search_dirs))
            raise ArchiveError(f"WARC file {name} is indexed but not found (looked in {where})")
        paths.append(path)
    return paths


def write_pages(conn: psycopg.Connection, selection: Selection, files: list[Path], target: Path) -> int:
    """The pages list (``json-pages-1.0``) of the selection's article captures in ``files``; how many pages."""
    rows = conn.execute(_PAGES, {**selection.params(), "files": [path.name for path in files]}).fetchall()
    lines = [json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "Articles"})]
    for url, captured_at, title in rows:
        # ts exactly as the record's WARC-Date, so py-wacz matches the page to its capture.
        page = {"url": url, "ts": warc_date(captured_at)}
        if title:
            page["title"] = title
        lines.append(json.dumps(page, ensure_ascii=False))
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(rows)


def py_wacz_installed() -> bool:
    """Whether py-wacz (the optional extra ``wacz``), which :func:`create` runs, can be imported."""
    try:
        import wacz  # noqa: F401  (run as ``python -m wacz``, never called from here)
    except ImportError:
        return False
    return True


def create(files: list[Path], pages_file: Path, output: Path, *, title: str | None = None) -> None:
    """``wacz create`` of ``files`` with ``pages_file`` as its pages list; :class:`ArchiveError` when it fails."""
    command = [sys.executable, "-m", "wacz", "create", "--output", str(output), "--pages", str(pages_file)]
    if title:
        command += ["--title", title]
    result = subprocess.run([*command, *map(str, files)], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    log.debug("wacz create: %s", result.stdout)
    if result.returncode != 0 or not output.is_file():
        raise ArchiveError(f"wacz create failed ({result.returncode}): {(result.stderr or result.stdout)[-2000:]}")
    for line in result.stdout.splitlines():
        if line.startswith("Invalid passed page"):
            log.warning("wacz: %s", line)


def _find(conn: psycopg.Connection, name: str, search_dirs: list[Path], fetch: Fetch | None) -> Path | None:
    row = conn.execute("SELECT path FROM warc_files WHERE filename = %s", [name]).fetchone()
    stored = row[0] if row and is_store_uri(row[0]) else None
    candidates = [Path(row[0])] if row and not stored else []
    candidates += [directory / name for directory in search_dirs]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    for directory in search_dirs:
        for candidate in directory.rglob(name):
            return candidate
    return fetch(stored) if stored and fetch else None
