"""``newsarchive status [--json]``: per source, schedule, next and last run, articles, and whether it went silent."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from crawler.config import Config, SourceConfig
from crawler.run.outcome import fetch_errors
from crawler.storage.absences import absences_by_source
from crawler.storage.backfills import Backfill, latest_backfills
from crawler.storage.database import connect, database_url
from crawler.storage.reading import ConnectionReader
from crawler.storage.sourcefacts import LastRun, SourceFacts, source_facts
from crawler.warc.spool import spooled_files
from scheduler.context import load_app_config
from scheduler.triggers import next_fire_time


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("status", help="schedule, last run and articles of every source")
    parser.add_argument("--json", action="store_true", help="a JSON list of objects, one per source")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print_status(load_app_config(args), as_json=args.json)
    return 0


def print_status(config: Config, *, as_json: bool = False) -> None:
    """The status of ``config``'s sources on stdout: a table, or the ``--json`` document."""
    with connect(database_url(config), autocommit=True, attempts=3, retry_wait=1.0) as conn:
        report = source_status(conn, config, datetime.now(UTC))
    if as_json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)


def source_status(conn: psycopg.Connection, config: Config, now: datetime) -> list[dict[str, Any]]:
    """The status of every configured source (the ``--json`` document)."""
    try:
        facts = source_facts(ConnectionReader(conn))
        backfills = latest_backfills(conn)
        absences = absences_by_source(conn)
    except psycopg.errors.UndefinedTable:
        print("newsarchive status: the database has no schema yet (run `newsarchive db migrate`)", file=sys.stderr)
        facts, backfills, absences = {}, {}, {}
    return [
        _one(config, source, facts.get(source.name, SourceFacts(source.name)), now)
        | {"backfill": _backfill(backfills.get(source.name)), "absent": _absent(absences.get(source.name, []))}
        for source in config.sources
    ]


def _absent(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Discovered URLs remembered as missing: what they answered, how often in a row, when they are asked again."""
    return [
        {
            "url": row["url"],
            "kind": row["kind"],
            "status": row["status"],
            "misses": row["misses"],
            "first_missed_at": _iso(row["first_missed_at"]),
            "next_try_at": _iso(row["next_try_at"]),
        }
        for row in rows
    ]


def _backfill(backfill: Backfill | None) -> dict[str, Any] | None:
    """The source's back-fill in progress (else its last one): range, phase, cursor, articles so far."""
    if backfill is None:
        return None
    return {
        "id": backfill.id,
        "since": _iso(backfill.since),
        "until": _iso(backfill.until),
        "phase": backfill.phase,
        "cursor": _iso(backfill.cursor),
        "batches": backfill.batches,
        "articles": backfill.articles,
        "finished_at": _iso(backfill.finished_at),
    }


def _one(config: Config, source: SourceConfig, facts: SourceFacts, now: datetime) -> dict[str, Any]:
    next_run = next_fire_time(source, config, now) if source.enabled else None
    return {
        "name": source.name,
        "enabled": source.enabled,
        "schedule": source.schedule,
        "timezone": config.source_timezone(source),
        "next_run_at": _iso(next_run),
        "last_run": _last_run(facts.last_run, now),
        "articles_total": facts.articles,
        "last_new_article_at": _iso(facts.last_new_article_at),
        "silent": _silent(source, facts.last_new_article_at or facts.first_run_at, now),
        "spool": _spool(config, source),
    }


def _spool(config: Config, source: SourceConfig) -> dict[str, int] | None:
    """With an object-store archive, this source's closed WARCs still waiting in the spool (None: local archive).

    Files are the source's when named with its WARC prefix (``[archive] prefix`` shared by all sources, else its
    name), as the writer names them.
    """
    if not config.archive.store:
        return None
    prefix = (config.archive.prefix or source.name) + "-"
    waiting = [path for path in spooled_files(config.archive.dir) if path.name.startswith(prefix)]
    return {"files": len(waiting), "bytes": sum(path.stat().st_size for path in waiting)}


def _last_run(run: LastRun | None, now: datetime) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "id": run.id,
        "status": run.status,
        "trigger": run.trigger,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "duration": round(((run.finished_at or now) - run.started_at).total_seconds(), 3),
        "new_articles": run.new_articles,
        "updated_articles": run.updated_articles,
        "errors": fetch_errors(run.stats) if run.stats else 0,
        "error": run.error,
    }


def _silent(source: SourceConfig, since: datetime | None, now: datetime) -> bool:
    """No new article within the silence window (counted from the newest article, or from the first run if none)."""
    if since is None or not source.silence_window:
        return False
    return now - since > timedelta(seconds=source.silence_window)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def print_table(report: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="newsarchive sources (times in UTC)")
    for column in ("source", "schedule", "next", "last", "started", "took", "new", "err", "total"):
        right = column in ("took", "new", "err", "total")
        table.add_column(column, justify="right" if right else "left", overflow="fold")
    for entry in report:
        table.add_row(*[escape(cell) for cell in _row(entry)], style="red" if entry["silent"] else None)
    console = Console()
    console.print(table)
    for line in _notes(report):
        console.print(escape(line), highlight=False, soft_wrap=True)  # one line each, for people and grep


def _row(entry: dict[str, Any]) -> list[str]:
    run = entry["last_run"]
    name = entry["name"] + ("" if entry["enabled"] else " (disabled)")
    if run is None:
        last = ["never", "-", "-", "-", "-"]
    else:
        last = [run["status"], _short(run["started_at"]), f"{run['duration']:.0f}s", str(run["new_articles"])]
        last.append(str(run["errors"]))
    articles = str(entry["articles_total"]) + (" (silent)" if entry["silent"] else "")
    return [name, entry["schedule"], _short(entry["next_run_at"]), *last, articles]


def _notes(report: list[dict[str, Any]]) -> list[str]:
    """What the table has no room for: why the last run was not clean, and which sources went silent."""
    notes = []
    for entry in report:
        run = entry["last_run"]
        if run and run["error"] and run["status"] != "finished":
            notes.append(f"{entry['name']}: last run {run['status']}: {run['error']}")
        backfill = entry.get("backfill")
        if backfill and backfill["finished_at"] is None:
            notes.append(
                f"{entry['name']}: back-fill {backfill['id']} from {backfill['since'][:10]} to {backfill['until'][:10]}"
                f" unfinished ({backfill['phase']} at {backfill['cursor'][:10]}, {backfill['articles']} articles);"
                " `newsarchive backfill` with the same dates resumes it"
            )
        waiting = [absence for absence in entry.get("absent", []) if absence["misses"] > 1]
        if waiting:
            notes.append(
                f"{entry['name']}: {len(waiting)} discovered URL(s) missing on the site, asked again on a decaying"
                f" schedule (next {_short(min(absence['next_try_at'] for absence in waiting))} UTC; `status --json`)"
            )
        if entry["spool"] and entry["spool"]["files"]:
            spool = entry["spool"]
            notes.append(f"{entry['name']}: {spool['files']} WARC file(s), {spool['bytes']} bytes, wait in the spool")
        if entry["silent"]:
            since = f"since {_short(entry['last_new_article_at'])} UTC" if entry["last_new_article_at"] else "yet"
            notes.append(f"warning: {entry['name']} has produced no new article {since} (silent)")
    return notes


def _short(value: str | None) -> str:
    if value is None:
        return "-"
    return datetime.fromisoformat(value).strftime("%m-%d %H:%M")
