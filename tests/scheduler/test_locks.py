"""Per-source advisory locks against a real PostgreSQL: exclusion, release, loss and re-taking of the session."""

from __future__ import annotations

import psycopg
import pytest

from crawler.errors import DatabaseUnavailable
from crawler.storage.database import connect
from scheduler.locks import LockState, SourceLock, lock_key


def terminate_sessions_holding(admin_url: str, lock: SourceLock) -> int:
    """Kill the backend holding ``lock`` (as a server restart or a network cut would); the number killed."""
    with connect(admin_url, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks"
            " WHERE locktype = 'advisory' AND granted AND classid = %s AND objid = %s AND objsubid = 1"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [(lock.key >> 32) & 0xFFFFFFFF, lock.key & 0xFFFFFFFF],
        ).fetchall()
    return len(rows)


def test_second_acquire_fails_until_released(database_url: str) -> None:
    first, second = SourceLock(database_url, "khaama"), SourceLock(database_url, "khaama")
    other_source = SourceLock(database_url, "tolo")
    try:
        assert first.acquire()
        assert not second.acquire()
        assert other_source.acquire()
        assert first.check() is LockState.HELD
        first.release()
        assert second.acquire()
        assert not first.acquire()
    finally:
        for lock in (first, second, other_source):
            lock.release()


def test_context_manager_releases(database_url: str) -> None:
    with SourceLock(database_url, "khaama") as lock:
        assert lock.acquire()
        assert not SourceLock(database_url, "khaama").acquire()
    with SourceLock(database_url, "khaama") as again:
        assert again.acquire()


def test_lock_is_visible_in_pg_locks(database_url: str) -> None:
    with SourceLock(database_url, "khaama") as lock:
        assert lock.acquire()
        assert terminate_sessions_holding(database_url, lock) == 1


def test_retaken_after_its_session_died(database_url: str) -> None:
    """Session gone, nobody else took it: the next check re-takes it on a new connection."""
    with SourceLock(database_url, "khaama") as lock:
        assert lock.acquire()
        terminate_sessions_holding(database_url, lock)
        assert lock.check() is LockState.HELD
        assert not SourceLock(database_url, "khaama").acquire()


def test_lost_when_someone_else_took_it(database_url: str) -> None:
    """Session terminated (as by a server restart), another session takes the lock: the holder learns LOST."""
    mine, theirs = SourceLock(database_url, "khaama"), SourceLock(database_url, "khaama")
    try:
        assert mine.acquire()
        assert terminate_sessions_holding(database_url, mine) == 1
        assert theirs.acquire()
        assert mine.check() is LockState.LOST
        assert mine.check() is LockState.LOST  # stays lost, even though it could not tell the difference later
        assert theirs.check() is LockState.HELD
    finally:
        mine.release()
        theirs.release()


def test_degraded_while_the_database_is_unreachable(database_url: str) -> None:
    """A lock whose server went away reports DEGRADED (keep crawling WARC-only) rather than LOST."""
    lock = SourceLock(database_url, "khaama")
    try:
        assert lock.acquire()
        terminate_sessions_holding(database_url, lock)
        lock.database_url = unreachable_url()  # the server "is down": reconnects are refused
        assert lock.check() is LockState.DEGRADED
        lock.database_url = database_url  # ...and back
        assert lock.check() is LockState.HELD
    finally:
        lock.release()


def test_acquire_without_database_raises(database_url: str) -> None:
    with pytest.raises(DatabaseUnavailable):
        SourceLock(unreachable_url(), "khaama").acquire()


def test_keys_are_stable_and_distinct() -> None:
    assert lock_key("source", "khaama") == lock_key("source", "khaama")
    assert lock_key("source", "khaama") != lock_key("source", "tolo")
    assert lock_key("source", "khaama") != lock_key("leader", "khaama")
    assert -(2**63) <= lock_key("source", "khaama") < 2**63


def unreachable_url() -> str:
    """A loopback URL where nothing listens (a port just released by the OS)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def test_psycopg_reports_terminated_sessions_as_operational_errors(database_url: str) -> None:
    """The check relies on this: a killed session surfaces as psycopg.OperationalError on the next query."""
    with connect(database_url, autocommit=True) as conn:
        pid = conn.info.backend_pid
        with connect(database_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        with pytest.raises(psycopg.OperationalError):
            conn.execute("SELECT 1")
