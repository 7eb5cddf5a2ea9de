"""PostgreSQL advisory locks held on a dedicated autocommit connection: one per source, so runs never overlap.

A session-level advisory lock lives as long as the connection that took it: nothing to clean up after a crash
(the server drops it with the session), and nothing another process can release for us. The cost is that a lost
connection loses the lock, so the holder checks it periodically (:meth:`AdvisoryLock.check`).
"""

from __future__ import annotations

import enum
import hashlib
import logging
import threading
from types import TracebackType

import psycopg

from crawler.errors import DatabaseUnavailable
from crawler.storage.database import connect, redact

log = logging.getLogger(__name__)


class LockState(enum.Enum):
    HELD = "held"
    """Our session holds the lock."""
    DEGRADED = "degraded"
    """The database is unreachable: nobody can take the lock either; go on WARC-only and re-take it later."""
    LOST = "lost"
    """The database is back and another session holds the lock now: stop."""


def lock_key(namespace: str, name: str) -> int:
    """A stable signed 64-bit advisory-lock key (PostgreSQL's ``hashtext`` may change between versions)."""
    digest = hashlib.sha256(f"newsarchive:{namespace}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class AdvisoryLock:
    """A non-blocking session-level advisory lock with a liveness check that re-takes it after an outage."""

    def __init__(self, database_url: str, key: int, label: str) -> None:
        self.database_url = database_url
        self.key = key
        self.label = label
        self._conn: psycopg.Connection | None = None
        self._state: LockState | None = None
        self._guard = threading.Lock()

    @property
    def state(self) -> LockState | None:
        """The last known state (None: never acquired, or released)."""
        return self._state

    def acquire(self) -> bool:
        """Take the lock without waiting: False when another session holds it.

        Raises :class:`DatabaseUnavailable` when the database cannot be reached.
        """
        with self._guard:
            if self._state is LockState.HELD:
                return True
            conn = connect(self.database_url, autocommit=True)
            if not self._try_lock(conn):
                conn.close()
                return False
            self._conn, self._state = conn, LockState.HELD
            log.debug("took lock %s", self.label)
            return True

    def check(self) -> LockState:
        """Whether we still hold the lock; after an outage, try to re-take it (see :class:`LockState`)."""
        with self._guard:
            if self._state is None:
                raise RuntimeError(f"lock {self.label} was never acquired")
            if self._state is LockState.LOST:
                return LockState.LOST
            if self._conn is not None and self._alive(self._conn):
                return LockState.HELD
            self._close()
            self._state = self._retake()
            return self._state

    def release(self) -> None:
        """Give the lock up (closing the session releases it even if the unlock fails)."""
        with self._guard:
            if self._conn is not None:
                try:
                    self._conn.execute("SELECT pg_advisory_unlock(%s)", [self.key])
                except psycopg.Error as error:
                    log.debug("unlock of %s failed (%s); closing the session releases it", self.label, error)
            self._close()
            self._state = None

    def __enter__(self) -> AdvisoryLock:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.release()

    def _try_lock(self, conn: psycopg.Connection) -> bool:
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", [self.key]).fetchone()
        return bool(row and row[0])

    def _alive(self, conn: psycopg.Connection) -> bool:
        try:
            conn.execute("SELECT 1")
        except psycopg.Error as error:
            log.warning("lock %s: database session lost (%s)", self.label, type(error).__name__)
            return False
        return True

    def _retake(self) -> LockState:
        try:
            conn = connect(self.database_url, autocommit=True)
        except DatabaseUnavailable:
            log.warning("lock %s: database %s unreachable, going on without it", self.label, redact(self.database_url))
            return LockState.DEGRADED
        try:
            taken = self._try_lock(conn)
        except psycopg.Error as error:
            conn.close()
            log.warning("lock %s: re-taking failed (%s)", self.label, error)
            return LockState.DEGRADED
        if not taken:
            conn.close()
            log.error("lock %s: another session took it while ours was gone", self.label)
            return LockState.LOST
        self._conn = conn
        log.info("lock %s: re-taken after a database outage", self.label)
        return LockState.HELD

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                log.debug("closing lock connection of %s failed", self.label)
            self._conn = None


class SourceLock(AdvisoryLock):
    """Per-source advisory lock, held for a whole run by whoever runs the source (daemon or one-shot command)."""

    def __init__(self, database_url: str, source: str) -> None:
        super().__init__(database_url, lock_key("source", source), f"source:{source}")
        self.source = source

    def __enter__(self) -> SourceLock:
        return self


class BackfillLock(AdvisoryLock):
    """Held by a back-fill for its whole walk: one back-fill per source, and a sign to its scheduled runs.

    Between batches the back-fill gives the source's lock up for a moment; a scheduled run that finds the source
    locked and this lock held waits for that moment instead of skipping (see ``scheduler.jobs``).
    """

    def __init__(self, database_url: str, source: str) -> None:
        super().__init__(database_url, lock_key("backfill", source), f"backfill:{source}")
        self.source = source

    def held_elsewhere(self) -> bool:
        """Whether another session holds it (a back-fill of the source is in progress); False if unreachable."""
        try:
            with connect(self.database_url, autocommit=True) as conn:
                row = conn.execute("SELECT pg_try_advisory_lock(%s)", [self.key]).fetchone()
                if row and row[0]:
                    conn.execute("SELECT pg_advisory_unlock(%s)", [self.key])
                    return False
                return True
        except (DatabaseUnavailable, psycopg.Error):
            return False
