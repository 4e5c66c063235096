"""Pure time rules of reminders: RFC 5545 local times, days of week, quiet hours, backoff."""

import random
from datetime import date, datetime, time, timedelta

from bonecare.localtime import local_date_of, local_instant, zone

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# How late a daily reminder may still be sent (docs/reminders.md: daily 2 h); DXA reminders keep half a day.
DAILY_GRACE = timedelta(hours=2)
DXA_GRACE = timedelta(hours=12)
DXA_TIME = time(9, 0)
DXA_LEADS = {"7d": 7, "1d": 1}
# A send later than this after its due instant is recorded as late.
LATE_AFTER = timedelta(seconds=60)
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(minutes=30)


def parse_time(value: str) -> time:
    """ "HH:MM" as a time."""
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def days_of(value: str) -> set[int]:
    """A stored "mon,tue" as weekday numbers (Monday 0)."""
    return {DAYS.index(d) for d in value.split(",") if d}


def due_on(day: date, days_of_week: str, time_of_day: str, timezone: str) -> datetime | None:
    """When a rule fires on a local day (RFC 5545: a time skipped by the clock moves on by the gap, a repeated
    one fires at its first occurrence); None when it does not fire that day."""
    if day.weekday() not in days_of(days_of_week):
        return None
    return local_instant(day, parse_time(time_of_day), timezone)


def next_fire(time_of_day: str, days_of_week: str, timezone: str, after: datetime) -> datetime | None:
    """The next instant at or after `after` at which a rule fires."""
    start = local_date_of(after, timezone)
    for offset in range(9):
        due = due_on(start + timedelta(days=offset), days_of_week, time_of_day, timezone)
        if due is not None and due >= after:
            return due
    return None


def in_quiet_hours(instant: datetime, timezone: str, start: str | None, end: str | None) -> bool:
    """Whether an instant falls in the patient's quiet hours [start, end) on her local clock."""
    if not start or not end or start == end:
        return False
    clock = instant.astimezone(zone(timezone)).strftime("%H:%M")
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end  # overnight, e.g. 22:00–07:00


def backoff(attempts: int, retry_after: timedelta | None, rng=random) -> timedelta:
    """Exponential backoff with full jitter over its upper half, never sooner than the service's Retry-After."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(attempts - 1, 0)))
    delay = ceiling * (0.5 + rng.random() / 2)
    return max(delay, retry_after or timedelta(0))
