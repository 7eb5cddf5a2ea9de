"""What an unchanged run leaves behind: capture rows, database bytes (indexes included), run-row bytes, WARC files.

Usage: ``python bench/footprint.py [--sources 20] [--passes 5]``. Each source is its own replica site (three
articles) on its own port. One first pass stores every article; then ``--passes`` incremental passes over every
source find nothing new. Measured across the incremental passes, per run:

- ``capture_rows``: new ``captures`` rows;
- ``db_bytes``: the growth of every table of the database (``pg_total_relation_size`` summed over all tables and
  partitions: heap, TOAST, free-space maps and every index) between plain ``VACUUM``s before and after the passes:
  what the files grew by, with dead row versions that no autovacuum reclaimed in time and half-empty index pages
  (space later reused, but counted here); ``db_size_bytes`` is the same for ``pg_database_size``;
- ``db_live_bytes``: the growth between ``VACUUM FULL``s (tables and indexes rewritten with live rows only), from
  before a warm-up pass to after the last: the rows and indexes an unchanged run leaves for good;
- ``run_bytes``: the growth of ``crawl_runs`` alone (heap, TOAST and indexes), and ``run_row_bytes`` the mean
  ``pg_column_size`` of one of its rows (the row without indexes);
- ``warc_files``: closed WARC files added to the archive.

Sizes grow by whole 8 kB pages, so the figures are exact to 8 kB / (sources * passes). The last line:
``capture_rows=… db_bytes=… run_bytes=… warc_files=…``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_PER_TABLE = """
SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
"""
_NEW_CAPTURES = """
SELECT record_type, page_kind, status, count(*) FROM captures WHERE run_id > %s GROUP BY 1, 2, 3 ORDER BY 4 DESC
"""
_TABLE_BYTES = """
SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%'
  AND (%(prefix)s::text IS NULL OR c.relname LIKE %(prefix)s || '%%')
"""


@dataclass(frozen=True)
class Snapshot:
    capture_rows: int
    runs: int
    db_bytes: int
    db_size_bytes: int
    run_bytes: int
    warc_files: int
    last_run: int
    tables: dict[str, int]


def snapshot(url: str, archive: Path, *, full: bool) -> Snapshot:
    """The database and archive now, after a VACUUM (FULL: tables and indexes rewritten with live rows only)."""
    from crawler.storage.database import connect

    with connect(url, autocommit=True) as conn:
        conn.execute("VACUUM FULL" if full else "VACUUM")
        return Snapshot(
            capture_rows=conn.execute("SELECT count(*) FROM captures").fetchone()[0],
            runs=conn.execute("SELECT count(*) FROM crawl_runs").fetchone()[0],
            db_bytes=conn.execute(_TABLE_BYTES, {"prefix": None}).fetchone()[0],
            db_size_bytes=conn.execute("SELECT pg_database_size(current_database())").fetchone()[0],
            run_bytes=conn.execute(_TABLE_BYTES, {"prefix": "crawl_runs"}).fetchone()[0],
            warc_files=len(list(archive.rglob("*.warc.gz"))),
            last_run=conn.execute("SELECT coalesce(max(id), 0) FROM crawl_runs").fetchone()[0],
            tables=dict(conn.execute(_PER_TABLE).fetchall()),
        )


def explain(url: str, before: Snapshot, after: Snapshot, runs: int, *, captures: bool = True) -> None:
    """Which tables grew, and which capture rows the unchanged runs wrote."""
    from crawler.storage.database import connect

    grown = {name: after.tables.get(name, 0) - before.tables.get(name, 0) for name in after.tables}
    for name, delta in sorted(grown.items(), key=lambda item: -item[1]):
        if delta:
            print(f"  table {name:32} {delta / runs:10.1f} bytes/run")
    if not captures:
        return
    with connect(url) as conn:
        for record_type, kind, status, count in conn.execute(_NEW_CAPTURES, [before.last_run]).fetchall():
            print(f"  new captures: {record_type} {kind} {status}: {count / runs:.2f}/run")


def run_row_bytes(url: str) -> float:
    """The mean stored size of an incremental run's row (the first pass's runs left out)."""
    from crawler.storage.database import connect

    with connect(url) as conn:
        (first,) = conn.execute("SELECT count(DISTINCT source) FROM crawl_runs").fetchone()
        row = conn.execute(
            "SELECT avg(pg_column_size(r.*)) FROM (SELECT * FROM crawl_runs ORDER BY id OFFSET %s) r", [first]
        ).fetchone()
    return float(row[0] or 0)


def passes(config, sources, count: int) -> int:
    """Run every source ``count`` times (forked, as workers do); how many runs did not end well."""
    from scheduler.jobs import run_source

    bad = 0
    for _ in range(count):
        for source in sources:
            result = run_source(config, source, "manual", forked=True, log_level="WARNING", log_format="json")
            bad += result.status != "finished"
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--passes", type=int, default=5, help="incremental passes that find nothing new")
    args = parser.parse_args()
    from bench.harness import bench_database
    from bench.sources import config_file, publishers
    from crawler.config import load_config

    with tempfile.TemporaryDirectory() as tmp, bench_database() as url, publishers(args.sources) as servers:
        config = load_config(str(config_file(Path(tmp), url, servers)))
        sources = [source for source in config.sources if source.enabled]
        archive = config.archive.dir
        first_bad = passes(config, sources, 1)
        live_before = snapshot(url, archive, full=True)
        bad = passes(config, sources, 1)  # warm-up: free-space maps and pages back to how use leaves them
        before = snapshot(url, archive, full=False)
        bad += passes(config, sources, args.passes)
        after = snapshot(url, archive, full=False)
        runs = after.runs - before.runs
        explain(url, before, after, runs)
        live = snapshot(url, archive, full=True)
        live_runs = live.runs - live_before.runs
        print("  live (between VACUUM FULLs):")
        explain(url, live_before, live, live_runs, captures=False)
        figures = {
            "capture_rows": (after.capture_rows - before.capture_rows) / runs,
            "db_bytes": (after.db_bytes - before.db_bytes) / runs,
            "db_size_bytes": (after.db_size_bytes - before.db_size_bytes) / runs,
            "db_live_bytes": (live.db_bytes - live_before.db_bytes) / live_runs,
            "run_bytes": (after.run_bytes - before.run_bytes) / runs,
            "run_row_bytes": run_row_bytes(url),
            "warc_files": (after.warc_files - before.warc_files) / runs,
        }
    print(f"first pass: {len(sources)} sources, {first_bad} not finished; {before.capture_rows} capture rows")
    print(f"{runs} unchanged runs ({bad} not finished), per run:")
    for key, value in figures.items():
        print(f"  {key:14} {value:10.1f}")
    print(" ".join(f"{key}={value:.1f}" for key, value in figures.items()))
    return 0 if first_bad == bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
