"""The merge policy: consecutive files of one size class, ``fan_in`` at a time, never past the size limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crawler.warc.mergeplan import MergePolicy, plan_merges, size_class

NOW = datetime(2026, 12, 8, tzinfo=UTC)


@dataclass(frozen=True)
class File:
    filename: str
    size: int
    closed_at: datetime = NOW


def files(*sizes: int, age: float = 0.0) -> list[File]:
    closed = NOW - timedelta(seconds=age)
    return [File(f"s-202612080000{n:05d}-{n:05d}-h.warc.gz", size, closed) for n, size in enumerate(sizes)]


def names(windows: list[list[File]]) -> list[list[int]]:
    return [[int(item.filename.split("-")[2]) for item in window] for window in windows]


def test_size_classes_are_powers_of_the_fan_in() -> None:
    assert [size_class(size, 10) for size in (1, 9, 10, 11_000, 99_999, 100_000)] == [0, 0, 1, 4, 4, 5]


def test_ten_small_neighbours_merge_and_nine_wait() -> None:
    policy = MergePolicy(max_size=10**9, fan_in=10)
    assert names(plan_merges(files(*[11_000] * 10), policy, NOW)) == [list(range(10))]
    assert plan_merges(files(*[11_000] * 9), policy, NOW) == []


def test_a_larger_file_between_them_keeps_the_windows_apart_so_write_order_holds() -> None:
    policy = MergePolicy(max_size=10**9, fan_in=10)
    plan = plan_merges(files(11_000, 11_000, 500_000, *[11_000] * 10), policy, NOW)
    assert names(plan) == [list(range(3, 13))]  # not 0, 1 and eight of them around the larger one


def test_nothing_grows_past_the_size_limit() -> None:
    policy = MergePolicy(max_size=25_000, fan_in=2)
    plan = plan_merges(files(11_000, 11_000, 11_000, 30_000), policy, NOW)
    assert names(plan) == [[0, 1]]
    assert all(sum(item.size for item in window) <= 25_000 for window in plan)


def test_old_files_merge_even_fewer_than_fan_in() -> None:
    policy = MergePolicy(max_size=10**9, fan_in=10, age=3600)
    assert plan_merges(files(11_000, 12_000, 13_000), policy, NOW) == []
    assert names(plan_merges(files(11_000, 12_000, 13_000, age=7200), policy, NOW)) == [[0, 1, 2]]


def test_a_merged_file_waits_for_its_peers_instead_of_taking_in_each_new_small_file() -> None:
    policy = MergePolicy(max_size=10**9, fan_in=10)
    assert plan_merges(files(*[110_000] * 5, *[11_000] * 9), policy, NOW) == []
    assert names(plan_merges(files(*[110_000] * 5, *[11_000] * 10), policy, NOW)) == [list(range(5, 15))]
