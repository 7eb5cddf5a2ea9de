"""Source schedules as APScheduler triggers: cron as cron means it, intervals, and the schedule arithmetic around them.

The one module that calls APScheduler's trigger classes. Two cron differences are corrected here:
APScheduler 3 numbers weekdays from Monday = 0 (``CronTrigger.from_crontab("0 6 * * 0")`` fires on Mondays and
rejects ``7``), and it ANDs a restricted day-of-month with a restricted day-of-week where cron ORs them. It also
fires a fixed-time job twice in the hour repeated when daylight saving time ends; cron runs it once.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.config.schema import Config, SourceConfig
from crawler.config.units import is_duration, parse_duration
from crawler.errors import ConfigError

_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_CRON_WEEKDAYS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
_DOW_ITEM = re.compile(r"^(?P<range>\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/(?P<step>\d+))?$")
_INTERVAL_ANCHOR = datetime(1970, 1, 1, tzinfo=UTC)
"""Intervals count from a fixed instant, so their fire times survive a daemon restart or a config reload."""
_LOOKBACK = (
    timedelta(hours=1),
    timedelta(days=1),
    timedelta(days=8),
    timedelta(days=32),
    timedelta(days=367),
    timedelta(days=5 * 366),
)
"""Growing windows searched for a previous fire time: short first, so frequent schedules stay cheap."""


class ScheduleTrigger(BaseTrigger):
    """A source's schedule: an inner trigger without jitter, cron's DST rule, and jitter added on top."""

    __slots__ = ("fixed_time", "inner", "jitter", "schedule")

    def __init__(self, inner: BaseTrigger, schedule: str, fixed_time: bool = False, jitter: float = 0.0) -> None:
        self.inner = inner
        self.schedule = schedule
        self.fixed_time = fixed_time
        self.jitter = jitter

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        # Stateless on purpose: the next time is computed from just after the previous (jittered) one, so
        # jitter never accumulates into drift and the schedule stays anchored.
        start = now if previous_fire_time is None else _just_after(previous_fire_time)
        fire = self.unjittered_next(start)
        if fire is None or not self.jitter:
            return fire
        return fire + timedelta(seconds=random.uniform(0, self.jitter))

    def unjittered_next(self, start: datetime) -> datetime | None:
        """The first scheduled time at or after ``start``, without jitter."""
        fire = self.inner.get_next_fire_time(None, start)
        while fire is not None and self.fixed_time and _is_repeated_wall_time(fire):
            fire = self.inner.get_next_fire_time(None, _just_after(fire))
        return fire

    def __str__(self) -> str:
        return f"schedule[{self.schedule}]"

    def __repr__(self) -> str:
        return f"<ScheduleTrigger {self.schedule!r} inner={self.inner!r} jitter={self.jitter}>"


def validate_schedule(schedule: str, timezone: str, key: str) -> None:
    """Raise ConfigError naming ``key`` when ``schedule`` is neither a 5-field cron expression nor an interval."""
    _parse(schedule, timezone, key, jitter=0.0)


def build_trigger(source: SourceConfig, config: Config) -> ScheduleTrigger:
    """The trigger of ``source``: its cron or interval in its time zone (or ``[scheduler].timezone``), with jitter."""
    return _parse(source.schedule, config.source_timezone(source), f"sources.{source.name}.schedule", source.jitter)


def next_fire_time(source: SourceConfig, config: Config, now: datetime) -> datetime | None:
    """When ``source`` is next due after ``now`` (without jitter), as an aware datetime in the schedule's zone."""
    _require_aware(now)
    trigger = _parse(source.schedule, config.source_timezone(source), f"sources.{source.name}.schedule", 0.0)
    return trigger.unjittered_next(_just_after(now))


def previous_fire_time(source: SourceConfig, config: Config, now: datetime) -> datetime | None:
    """The latest scheduled time at or before ``now`` (without jitter); None when there was none in five years."""
    _require_aware(now)
    trigger = _parse(source.schedule, config.source_timezone(source), f"sources.{source.name}.schedule", 0.0)
    for window in _LOOKBACK:
        last = None
        fire = trigger.unjittered_next(now.astimezone(UTC) - window)
        while fire is not None and fire <= now:
            last = fire
            fire = trigger.unjittered_next(_just_after(fire))
        if last is not None:
            return last
    return None


def is_overdue(source: SourceConfig, config: Config, last_success_at: datetime | None, now: datetime) -> bool:
    """Whether a catch-up run is due: the last successful run is older than the previous scheduled time.

    A source that never ran successfully is overdue once its schedule has fired at least once (like systemd's
    ``Persistent=true``, which runs a missed timer at boot).
    """
    return missed_since(previous_fire_time(source, config, now), last_success_at)


def missed_since(previous: datetime | None, last_success_at: datetime | None) -> bool:
    """The rule of :func:`is_overdue`, given the previous fire time (computed once for many sources)."""
    if previous is None:
        return False
    return last_success_at is None or last_success_at < previous


def _parse(schedule: str, timezone: str, key: str, jitter: float) -> ScheduleTrigger:
    if not isinstance(schedule, str) or not schedule.strip():
        raise ConfigError(f"{key}: expected a cron expression such as '*/30 * * * *' or an interval such as '15m'")
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError(f"{key}: unknown time zone {timezone!r}") from error
    text = schedule.strip()
    if is_duration(text):
        return ScheduleTrigger(_interval(text, zone, key), text, jitter=jitter)
    return _cron(text, zone, key, jitter)


def _interval(text: str, zone: ZoneInfo, key: str) -> IntervalTrigger:
    seconds = parse_duration(text, key)
    if seconds < 1:
        raise ConfigError(f"{key}: an interval must be at least 1s, got {text!r}")
    return IntervalTrigger(seconds=seconds, start_date=_INTERVAL_ANCHOR, timezone=zone)


def _cron(text: str, zone: ZoneInfo, key: str, jitter: float) -> ScheduleTrigger:
    expression = _MACROS.get(text.lower(), text)
    fields = expression.lower().split()
    if len(fields) != 5:
        raise ConfigError(
            f"{key}: expected 5 cron fields (minute hour day-of-month month day-of-week) "
            f"or an interval such as '15m', got {text!r}"
        )
    minute, hour, day, month, weekday = fields
    try:
        day_of_week = _translate_weekdays(weekday)
        parts = {"minute": minute, "hour": hour, "month": month, "timezone": zone}
        if day.startswith("*") or weekday.startswith("*"):
            inner: BaseTrigger = CronTrigger(day=day, day_of_week=day_of_week, **parts)
        else:
            # cron fires when either day field matches if both are restricted; APScheduler would require both.
            inner = OrTrigger([CronTrigger(day=day, **parts), CronTrigger(day_of_week=day_of_week, **parts)])
    except ValueError as error:
        raise ConfigError(f"{key}: invalid cron expression {text!r}: {error}") from error
    fixed_time = not (minute.startswith("*") or hour.startswith("*"))
    return ScheduleTrigger(inner, text, fixed_time=fixed_time, jitter=jitter)


def _translate_weekdays(field: str) -> str:
    """Cron's day-of-week field (0 or 7 = Sunday, names, ranges, steps) as APScheduler's (0 = Monday)."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for item in field.split(","):
        days |= _weekday_item(item)
    if len(days) == 7:
        return "*"
    return ",".join(str((day - 1) % 7) for day in sorted(days))


def _weekday_item(item: str) -> set[int]:
    match = _DOW_ITEM.match(item)
    if not match:
        raise ValueError(f"invalid day-of-week {item!r}")
    step = int(match.group("step") or 1)
    if step < 1:
        raise ValueError(f"invalid step in day-of-week {item!r}")
    bounds = match.group("range")
    if bounds == "*":
        first, last = 0, 6
    elif "-" in bounds:
        first_text, last_text = bounds.split("-")
        first, last = _weekday(first_text), _weekday(last_text)
        if last == 0 and first > 0:
            last = 7  # "fri-sun" / "5-0": Sunday closes the week
        if first > last:
            raise ValueError(f"day-of-week range {item!r} runs backwards")
    else:
        first = _weekday(bounds)
        last = 7 if match.group("step") else first  # "1/2" means from Monday on, every other day
    return {day % 7 for day in range(first, last + 1, step)}


def _weekday(text: str) -> int:
    if text in _CRON_WEEKDAYS:
        return _CRON_WEEKDAYS[text]
    if text.isdigit() and 0 <= int(text) <= 7:
        return int(text)
    raise ValueError(f"invalid day of week {text!r} (0-7 or sun..sat)")


def _is_repeated_wall_time(moment: datetime) -> bool:
    """Whether ``moment`` is the second occurrence of a wall-clock time repeated when DST ends."""
    # Through UTC: astimezone() to the datetime's own zone returns it unchanged, with whatever fold it carried.
    local = moment.astimezone(UTC).astimezone(moment.tzinfo)
    if not local.fold:
        return False
    return local.replace(fold=0).utcoffset() != local.utcoffset()


def _just_after(moment: datetime) -> datetime:
    """One microsecond later in real time (aware arithmetic in a local zone is wall-clock and loses the DST fold)."""
    return moment.astimezone(UTC) + timedelta(microseconds=1)


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
