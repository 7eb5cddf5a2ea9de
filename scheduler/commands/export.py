"""``newsarchive export``: the ``articles`` view as JSON Lines or CSV."""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import psycopg

from crawler.storage.database import connect, database_url
from crawler.storage.export import COLUMNS, select_articles
from crawler.storage.migrate import migrate_connection
from scheduler import exitcodes
from scheduler.context import load_app_config


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="export articles as JSON Lines or CSV")
    parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    parser.add_argument("--source", action="append", default=[], help="only this source (repeatable)")
    parser.add_argument(
        "--since",
        type=_parse_since,
        help="only articles published at or after this date/time (ISO 8601; UTC when no offset is given);"
        " articles without a published time count from when they were first seen",
    )
    parser.add_argument("--output", "-o", type=Path, help="file to write (default: standard output)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = load_app_config(args)
    with connect(database_url(config), autocommit=True) as conn:
        migrate_connection(conn)
        with _open_output(args.output) as out:
            count = write_articles(conn, out, args.format, sources=args.source, since=args.since)
    print(f"exported {count} articles", file=sys.stderr)
    return exitcodes.OK


def write_articles(
    conn: psycopg.Connection, out: IO[str], fmt: str, *, sources: list[str], since: datetime | None
) -> int:
    """Write the selected articles to ``out`` in ``fmt`` (``jsonl`` or ``csv``); how many."""
    rows = select_articles(conn, sources, since)
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
    count = 0
    for row in rows:
        record = _record(row)
        if fmt == "csv":
            writer.writerow(_csv_row(record))
        else:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def _record(row: dict[str, Any]) -> dict[str, Any]:
    record = {key: _json_value(value) for key, value in row.items()}
    if row["date_precision"] == "day" and row["published_at"] is not None:
        # A date-only value is stored as midnight UTC; export it as the date the page gave.
        record["published_at"] = row["published_at"].astimezone(UTC).date().isoformat()
    return record


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _csv_row(record: dict[str, Any]) -> dict[str, Any]:
    return {key: "; ".join(value) if isinstance(value, list) else value for key, value in record.items()}


def _parse_since(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date or time: {text!r}") from error
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@contextlib.contextmanager
def _open_output(path: Path | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        return
    with path.open("w", encoding="utf-8", newline="") as out:
        yield out
