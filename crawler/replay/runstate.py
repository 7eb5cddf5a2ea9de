"""A replay's ``crawl_runs`` row: started and finished like a crawl, its stats listing the files done (resume)."""

from __future__ import annotations

import json
import socket
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from crawler.storage.runs import RunAlreadyRunning, close_abandoned_runs, finish_run, start_run

REPLAY_SOURCE = "(replay)"
"""The ``source`` of replay runs: a replay spans sources, and must not count as a crawl of any of them (catch-up
and silence checks read a source's runs). Parentheses keep it apart from every valid source name."""
TRIGGER = "replay"

FileKey = tuple[str, int]
"""(file name, size): a closed WARC file never changes, so this names one file's content."""


def start(conn: psycopg.Connection) -> int:
    """A ``running`` replay row; :class:`crawler.storage.runs.RunAlreadyRunning` when another replay runs."""
    try:
        return start_run(conn, REPLAY_SOURCE, TRIGGER)
    except RunAlreadyRunning:
        # A replay killed on this host leaves its row running; a crawl or the daemon would repair it, but a
        # user re-running the replay must not have to wait for one.
        if not close_abandoned_runs(conn, host=socket.gethostname()):
            raise
    return start_run(conn, REPLAY_SOURCE, TRIGGER)


def files_done(conn: psycopg.Connection) -> set[FileKey]:
    """Files that earlier replays into this database finished (whatever became of those runs)."""
    rows = conn.execute(
        "SELECT stats -> 'files_done' FROM crawl_runs WHERE trigger = %s AND stats ? 'files_done'", [TRIGGER]
    ).fetchall()
    done: set[FileKey] = set()
    for (entries,) in rows:
        done.update((name, int(size)) for name, size in entries or [])
    return done


def save_progress(conn: psycopg.Connection, run_id: int, stats: dict[str, Any]) -> None:
    """Write the running replay's stats (and so its finished files) now: a killed replay resumes from here."""
    with conn.transaction():
        conn.execute("UPDATE crawl_runs SET stats = %s WHERE id = %s", [_jsonb(stats), run_id])


def finish(conn: psycopg.Connection, run_id: int, status: str, stats: dict[str, Any], error: str | None) -> None:
    finish_run(conn, run_id, status, finish_reason=status, stats=stats, error=error)


def _jsonb(stats: dict[str, Any]) -> Jsonb:
    return Jsonb(stats, dumps=lambda value: json.dumps(value, default=str))
