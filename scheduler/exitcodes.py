"""Process exit codes of the ``newsarchive`` command (sysexits where one fits)."""

from __future__ import annotations

OK = 0
FAILED = 1
USAGE = 2
UNAVAILABLE = 69  # EX_UNAVAILABLE: the database could not be reached
LOCKED = 75  # EX_TEMPFAIL: another run holds the source's lock; try later
CONFIG = 78  # EX_CONFIG

_SEVERITY = [OK, LOCKED, FAILED, UNAVAILABLE, CONFIG, USAGE]


def most_severe(codes: list[int]) -> int:
    """The exit code of several runs: the most severe of theirs."""
    if not codes:
        return OK
    return max(codes, key=lambda code: _SEVERITY.index(code) if code in _SEVERITY else len(_SEVERITY))
