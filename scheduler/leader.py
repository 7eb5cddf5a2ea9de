"""The daemon's leader lock: one scheduling daemon per database; the others wait and take over when it dies."""

from __future__ import annotations

from scheduler.locks import AdvisoryLock, lock_key

LEADER_POLL = 2.0
"""Seconds between attempts of a waiting daemon: a takeover happens within about this long of the leader's death."""
LEADER_CHECK = 5.0
"""Seconds between checks that the leader still holds its lock (a lost session would let a second daemon lead)."""
MAX_UNAVAILABLE_WAIT = 30.0
"""Longest pause between attempts while the database is unreachable (the pause doubles up to this)."""


class LeaderLock(AdvisoryLock):
    """An advisory lock on a key no source can have, held by the scheduling daemon for as long as it leads.

    ``acquire()`` is non-blocking (False: another daemon leads) and raises ``DatabaseUnavailable`` when the
    database cannot be reached; the daemon's loop decides how long to wait between attempts.
    """

    def __init__(self, database_url: str) -> None:
        super().__init__(database_url, lock_key("leader", "daemon"), "leader")
