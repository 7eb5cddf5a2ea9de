"""Monthly partitions of ``captures`` and ``crawl_runs`` (0013): made ahead, made on demand, listed, dropped."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import psycopg

log = logging.getLogger(__name__)

PARTITIONED = ("captures", "crawl_runs")
"""The tables partitioned by month (captures by ``captured_at``, runs by ``started_at``)."""

T = TypeVar("T")

_PARTITIONS = """
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid)
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = %s::regclass
ORDER BY c.relname
"""


@dataclass(frozen=True)
class Partition:
    name: str
    start: datetime
    end: datetime
    """Exclusive."""


def month_start(at: datetime) -> datetime:
    """The first instant of ``at``'s month in UTC (partitions are UTC months)."""
    at = at.astimezone(UTC)
    return at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def add_months(at: datetime, months: int) -> datetime:
    index = at.year * 12 + at.month - 1 + months
    return at.replace(year=index // 12, month=index % 12 + 1)


def ensure(conn: psycopg.Connection, table: str, instants: Iterable[datetime]) -> list[str]:
    """The partitions of ``table`` holding ``instants``, made where missing (idempotent, safe concurrently)."""
    months = sorted({month_start(at) for at in instants})
    with conn.transaction():
        return [
            conn.execute("SELECT newsarchive_month_partition(%s, %s)", [table, month]).fetchone()[0] for month in months
        ]


def ensure_ahead(conn: psycopg.Connection, now: datetime, months: int) -> list[str]:
    """This month's partitions and the next ``months`` of every partitioned table, so writes never wait on DDL."""
    instants = [add_months(month_start(now), n) for n in range(months + 1)]
    return [name for table in PARTITIONED for name in ensure(conn, table, instants)]


def writing(conn: psycopg.Connection, table: str, instants: Iterable[datetime], write: Callable[[], T]) -> T:
    """``write()``, and once more after making the missing month partitions when a row found none.

    Partitions are made ahead by the daemon; a one-shot crawl after months without it, or a replay of old WARCs,
    writes into months nobody made yet.
    """
    instants = list(instants)
    try:
        return write()
    except psycopg.errors.CheckViolation:
        # "no partition of relation ... found for row" (23514). The message is localised, so any check violation
        # gets one retry: a row that breaks a real CHECK constraint fails the same way again.
        pass
    made = ensure(conn, table, instants)
    log.info("partition(s) %s of %s ready", ", ".join(made), table)
    return write()


def partitions(conn: psycopg.Connection, table: str) -> list[Partition]:
    """The month partitions of ``table``, oldest first."""
    found = []
    for name, bound in conn.execute(_PARTITIONS, [table]).fetchall():
        start, end = _bounds(bound)
        found.append(Partition(name, start, end))
    return sorted(found, key=lambda partition: partition.start)


def _bounds(expression: str) -> tuple[datetime, datetime]:
    """``FOR VALUES FROM ('2026-12-01 00:00:00+00') TO ('2027-01-01 00:00:00+00')`` as two instants."""
    values = [part.split("'")[1] for part in expression.split("(")[1:]]
    return datetime.fromisoformat(values[0]), datetime.fromisoformat(values[1])
