"""Schedule arithmetic with frozen time: cron weekdays as cron means them, DST, intervals, jitter, catch-up."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crawler.config import Config, SourceConfig, parse_config
from crawler.config.schema import SchedulerConfig
from crawler.errors import ConfigError
from scheduler.triggers import (
    build_trigger,
    is_overdue,
    next_fire_time,
    previous_fire_time,
    validate_schedule,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
CONFIG = Config()
NOW = datetime(2026, 11, 28, 14, 20, tzinfo=UTC)  # a Saturday


def source(schedule: str, timezone: str = "", jitter: float = 0.0) -> SourceConfig:
    return SourceConfig(name="news", schedule=schedule, timezone=timezone, jitter=jitter, feeds=("http://x/feed",))


def fire_times(schedule: str, start: datetime, count: int, timezone: str = "UTC") -> list[datetime]:
    """The first ``count`` fire times from ``start``, chained the way APScheduler chains them."""
    trigger = build_trigger(source(schedule, timezone), CONFIG)
    times: list[datetime] = []
    previous = None
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, start)
        assert previous is not None
        times.append(previous)
    return times


def fires_between(schedule: str, timezone: str, start: datetime, end: datetime) -> list[datetime]:
    trigger = build_trigger(source(schedule, timezone), CONFIG)
    times: list[datetime] = []
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire < end:
        times.append(fire)
        fire = trigger.get_next_fire_time(fire, start)
    return times


@pytest.mark.parametrize("schedule", ["0 6 * * 0", "0 6 * * 7", "0 6 * * sun", "0 6 * * SUN", "@weekly"])
def test_sunday_is_zero_and_seven(schedule: str) -> None:
    times = fire_times(schedule, NOW, 4)
    hour = 0 if schedule == "@weekly" else 6
    assert all(t.weekday() == 6 and t.hour == hour and t.minute == 0 for t in times)  # Python: Sunday = 6
    assert times[0].date() == datetime(2026, 11, 29).date()
    assert [b - a for a, b in itertools.pairwise(times)] == [timedelta(days=7)] * 3


@pytest.mark.parametrize(
    ("field", "weekdays"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("1-5", {0, 1, 2, 3, 4}),
        ("MON,wed", {0, 2}),
        ("*/2", {6, 1, 3, 5}),  # cron counts from Sunday: sun, tue, thu, sat
        ("5-7", {4, 5, 6}),
        ("fri-sun", {4, 5, 6}),
        ("1-5/2", {0, 2, 4}),
        ("0,6", {5, 6}),
        ("sat,7", {5, 6}),
    ],
)
def test_weekday_fields(field: str, weekdays: set[int]) -> None:
    times = fire_times(f"0 6 * * {field}", NOW, 21)
    assert {t.weekday() for t in times} == weekdays


def test_day_of_month_or_day_of_week_as_cron() -> None:
    """Both day fields restricted: cron fires when either matches (APScheduler alone would need both)."""
    times = fire_times("0 6 1 * sun", NOW, 6)
    assert [t.strftime("%m-%d %a") for t in times] == [
        "11-29 Sun",
        "12-01 Tue",
        "12-06 Sun",
        "12-13 Sun",
        "12-20 Sun",
        "12-27 Sun",
    ]


def test_fixed_time_fires_once_when_dst_ends_berlin() -> None:
    """02:30 happens twice on 2026-10-25 in Berlin; cron runs a fixed-time job once."""
    times = fires_between("30 2 * * *", "Europe/Berlin", datetime(2026, 10, 23, tzinfo=BERLIN), NOW)[:4]
    utc = [t.astimezone(UTC) for t in times]
    assert utc == [
        datetime(2026, 10, 23, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 24, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 CEST, the first of the two
        datetime(2026, 10, 26, 1, 30, tzinfo=UTC),  # 02:30 CET
    ]


def test_fixed_time_in_the_skipped_hour_fires_once_berlin() -> None:
    """02:30 does not exist on 2026-03-29 in Berlin: the job still runs that day, once, after the jump."""
    day_start = datetime(2026, 3, 29, tzinfo=BERLIN)
    times = fires_between("30 2 * * *", "Europe/Berlin", day_start, datetime(2026, 3, 30, tzinfo=BERLIN))
    assert len(times) == 1
    assert times[0].astimezone(UTC) >= datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST, the jump


@pytest.mark.parametrize(
    ("zone", "spring", "autumn"),
    [
        ("Europe/Berlin", datetime(2026, 3, 29), datetime(2026, 10, 25)),
        ("America/New_York", datetime(2026, 3, 8), datetime(2026, 11, 1)),
    ],
)
def test_hourly_follows_real_hours_across_dst(zone: str, spring: datetime, autumn: datetime) -> None:
    """A wildcard-hour job runs every real hour: 23 on the short day, 25 on the long one, never twice at once."""
    tz = ZoneInfo(zone)
    for day, expected in ((spring, 23), (autumn, 25)):
        start = day.replace(tzinfo=tz)
        end = (day + timedelta(days=1)).replace(tzinfo=tz)
        times = [t.astimezone(UTC) for t in fires_between("0 * * * *", zone, start, end)]
        assert len(times) == expected
        assert [b - a for a, b in itertools.pairwise(times)] == [timedelta(hours=1)] * (expected - 1)


def test_cron_uses_the_source_zone_over_the_scheduler_zone() -> None:
    config = replace(CONFIG, scheduler=SchedulerConfig(timezone="Europe/Berlin"))
    summer = datetime(2026, 7, 1, tzinfo=UTC)
    winter = datetime(2026, 12, 1, tzinfo=UTC)
    ny = source("0 9 * * *", timezone="America/New_York")
    assert next_fire_time(ny, config, summer).astimezone(UTC) == datetime(2026, 7, 1, 13, 0, tzinfo=UTC)
    assert next_fire_time(ny, config, winter).astimezone(UTC) == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    berlin = source("0 9 * * *")
    assert next_fire_time(berlin, config, summer).astimezone(UTC) == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(("schedule", "seconds"), [("30s", 30), ("15m", 900), ("6h", 21600)])
def test_intervals_are_anchored(schedule: str, seconds: int) -> None:
    times = fire_times(schedule, NOW, 5)
    assert all((b - a).total_seconds() == seconds for a, b in itertools.pairwise(times))
    assert all(t.timestamp() % seconds == 0 for t in times)
    assert NOW <= times[0] < NOW + timedelta(seconds=seconds)
    # A restarted daemon computes the same times: the schedule does not move with the start time.
    assert fire_times(schedule, NOW + timedelta(seconds=1), 1)[0] in [*times, times[0] + timedelta(seconds=seconds)]


@pytest.mark.parametrize("schedule", ["15m", "*/15 * * * *"])
def test_jitter_stays_within_bounds_without_drift(schedule: str) -> None:
    trigger = build_trigger(source(schedule, jitter=60.0), CONFIG)
    previous = None
    for tick in range(200):
        previous = trigger.get_next_fire_time(previous, NOW)
        assert previous is not None
        base = datetime(2026, 11, 28, 14, 30, tzinfo=UTC) + timedelta(minutes=15 * tick)
        assert base <= previous <= base + timedelta(seconds=60)


@pytest.mark.parametrize(
    "schedule",
    [
        "* * *",
        "* * * * * *",
        "61 * * * *",
        "0 25 * * *",
        "0 6 * * 8",
        "0 6 * * sat-mon",
        "0 6 * * fun",
        "0s",
        "@reboot",
    ],
)
def test_invalid_schedules_name_the_key(schedule: str) -> None:
    with pytest.raises(ConfigError, match=r"^sources\[3\]\.schedule: "):
        validate_schedule(schedule, "UTC", "sources[3].schedule")


def test_config_load_rejects_a_bad_schedule() -> None:
    raw = {"sources": [{"name": "a", "feeds": ["http://127.0.0.1/feed"], "schedule": "0 6 * * 9"}]}
    with pytest.raises(ConfigError, match=r"sources\[0\]\.schedule"):
        parse_config(raw, validate_schedule)
    raw["sources"][0]["schedule"] = "0 6 * * 7"
    assert parse_config(raw, validate_schedule).source("a").schedule == "0 6 * * 7"


def test_previous_fire_time() -> None:
    assert previous_fire_time(source("0 6 * * 0"), CONFIG, NOW) == datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
    assert previous_fire_time(source("15m"), CONFIG, NOW) == datetime(2026, 11, 28, 14, 15, tzinfo=UTC)
    exactly = datetime(2026, 11, 28, 14, 15, tzinfo=UTC)
    assert previous_fire_time(source("15m"), CONFIG, exactly) == exactly
    assert previous_fire_time(source("0 0 29 2 *"), CONFIG, NOW) == datetime(2024, 2, 29, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        previous_fire_time(source("15m"), CONFIG, datetime(2026, 1, 1))


def test_catch_up_decisions() -> None:
    weekly = source("0 6 * * 0")  # last fired Sunday 2026-11-22 06:00 UTC
    assert is_overdue(weekly, CONFIG, None, NOW)
    assert is_overdue(weekly, CONFIG, datetime(2026, 11, 22, 5, 59, tzinfo=UTC), NOW)
    assert not is_overdue(weekly, CONFIG, datetime(2026, 11, 22, 6, 1, tzinfo=UTC), NOW)
    assert not is_overdue(weekly, CONFIG, datetime(2026, 11, 22, 7, 1, tzinfo=BERLIN), NOW)
    assert is_overdue(weekly, CONFIG, datetime(2026, 11, 22, 6, 59, tzinfo=BERLIN), NOW)
    half_hourly = source("*/30 * * * *")  # last fired 14:00
    assert not is_overdue(half_hourly, CONFIG, datetime(2026, 11, 28, 14, 0, 5, tzinfo=UTC), NOW)
    assert is_overdue(half_hourly, CONFIG, datetime(2026, 11, 28, 13, 59, tzinfo=UTC), NOW)


def test_next_fire_time_is_strictly_after_now() -> None:
    at_fire = datetime(2026, 11, 28, 14, 30, tzinfo=UTC)
    assert next_fire_time(source("*/30 * * * *"), CONFIG, at_fire) == datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
