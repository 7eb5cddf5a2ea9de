"""Which closed WARC files to merge: consecutive runs of files of one size class, like an LSM tree's compaction.

Every run closes its own small file (recovery, the spool and upload verification stay per run); merging
``fan_in`` consecutive files of a size class into one of the next class keeps a few files per class, so an archive
of N runs holds about ``N x run size / max_size`` full files plus at most ``(fan_in - 1)`` per class, and each byte
is rewritten about ``log_fan_in(max_size / run size)`` times (5 for 11 KB runs and 1 GB files). Files merge only
with their neighbours in write order, so a merged file, named after its first part's time, keeps replay's order.
Files closed longer than ``age`` ago merge in fewer than ``fan_in``: a source that went quiet leaves no tail.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

_TIMESTAMP17 = re.compile(r"-(\d{17})-\d{5}-")


class MergeCandidate(Protocol):
    filename: str
    size: int
    closed_at: datetime


T = TypeVar("T", bound=MergeCandidate)


@dataclass(frozen=True)
class MergePolicy:
    max_size: int = 10**9
    """No merged file grows past this (bytes); files this large are never merged."""
    fan_in: int = 10
    """Files of one size class merged at once (the class of a size is ``floor(log_fan_in(size))``)."""
    age: float = 86400.0
    """Seconds after closing when neighbouring files merge even fewer than ``fan_in`` at a time."""
    enabled: bool = True


def size_class(size: int, fan_in: int) -> int:
    level, bound = 0, fan_in
    while size >= bound:
        level, bound = level + 1, bound * fan_in
    return level


def write_time(filename: str) -> str:
    """The 17-digit time in our file names (``{prefix}-{timestamp17}-{serial}-{host}``), else empty."""
    match = _TIMESTAMP17.search(filename)
    return match.group(1) if match else ""


def plan_merges(files: Sequence[T], policy: MergePolicy, now: datetime) -> list[list[T]]:
    """Non-overlapping windows of consecutive files (in write order) to merge: ``fan_in`` neighbours of one size
    class, smallest classes first, then runs of neighbours all closed longer than ``age`` ago."""
    ordered = sorted(files, key=lambda item: (write_time(item.filename), item.filename))
    taken: set[int] = set()
    windows: list[list[int]] = []
    for level in sorted({size_class(item.size, policy.fan_in) for item in ordered}):
        fits = _class_of(level, policy.fan_in)
        windows += _full_windows(ordered, taken, fits, policy.fan_in, policy.max_size)
    old = _closed_before(now, policy.age)
    windows += _old_windows(ordered, taken, old, policy.max_size)
    return [[ordered[index] for index in window] for window in windows]


def _class_of(level: int, fan_in: int) -> Callable[[MergeCandidate], bool]:
    # One class only: a merged file waits for its peers instead of being rewritten with each new small file
    # (taking smaller neighbours in would rewrite it every merge: the cost an LSM tree's levels avoid).
    return lambda item: size_class(item.size, fan_in) == level


def _closed_before(now: datetime, age: float) -> Callable[[MergeCandidate], bool]:
    return lambda item: (now - item.closed_at).total_seconds() >= age


def _full_windows(
    files: Sequence[MergeCandidate], taken: set[int], fits: Callable, count: int, max_size: int
) -> list[list[int]]:
    found: list[list[int]] = []
    run: list[int] = []
    for index, item in enumerate(files):
        if index in taken or item.size >= max_size or not fits(item):
            run = []
            continue
        run.append(index)
        while sum(files[i].size for i in run) > max_size:
            run.pop(0)
        if len(run) == count:
            found.append(run)
            taken.update(run)
            run = []
    return found


def _old_windows(files: Sequence[MergeCandidate], taken: set[int], fits: Callable, max_size: int) -> list[list[int]]:
    found: list[list[int]] = []
    run: list[int] = []
    for index, item in enumerate(files):
        usable = index not in taken and item.size < max_size and fits(item)
        if run and (not usable or sum(files[i].size for i in run) + item.size > max_size):
            found += [run] if len(run) > 1 else []
            run = []
        if usable:
            run.append(index)
    found += [run] if len(run) > 1 else []
    for window in found:
        taken.update(window)
    return found
