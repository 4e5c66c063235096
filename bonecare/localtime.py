"""Time zones and patient-local dates, in one place: which zones are places, the local day of an instant, and
the instant of a local wall-clock time."""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

# Zones come from the pinned tzdata package, never the host's files: which zones exist, and every offset, are the
# same on a laptop, in CI and in production.
zoneinfo.reset_tzpath(to=())

# A patient's time zone must be a place: UTC, or an IANA Area/Location name in one of these areas. This refuses the
# names that are not places (localtime, Factory, posixrules, EST5EDT, Etc/GMT+5, …) and the old aliases (US/Eastern,
# GB, Zulu), each of which has a canonical Area/Location twin.
PLACE_AREAS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


@cache
def places() -> frozenset[str]:
    """The time zones we accept: the places among those the pinned tzdata knows."""
    places = {z for z in zoneinfo.available_timezones() if z.partition("/")[0] in PLACE_AREAS and "/" in z}
    return frozenset(places | {"UTC"})


@cache
def zone(name: str) -> ZoneInfo:
    """The ZoneInfo of a name, kept (ZoneInfo strongly caches only a few)."""
    return ZoneInfo(name)


def local_date_of(instant: datetime, timezone: str) -> date:
    """The patient-local calendar day an instant falls on."""
    return instant.astimezone(zone(timezone)).date()


def stated_local_date(instant: datetime, offset_min: int | None, timezone: str) -> date:
    """The local day of a logged instant: at the UTC offset the phone stated, or in the profile zone when it stated
    none (None), so that a patient travelling away from her profile's zone gets the date on her phone."""
    if offset_min is None:
        return local_date_of(instant, timezone)
    return (instant.astimezone(UTC) + timedelta(minutes=offset_min)).date()


# The furthest any zone runs ahead of UTC (Pacific/Kiritimati): its date is the latest calendar date on Earth.
EARTH_AHEAD = timedelta(hours=14)


def latest_today(now: datetime) -> date:
    """The latest date it is anywhere on Earth right now (UTC+14)."""
    return (now.astimezone(UTC) + EARTH_AHEAD).date()


def local_today(timezone: str, now: datetime) -> date:
    """The patient's local date right now."""
    return local_date_of(now, timezone)


def local_instant(day: date, at: time, timezone: str) -> datetime:
    """The UTC instant of a local wall-clock time, by RFC 5545: a time inside a gap (spring forward)
    moves forward by the length of the gap; an ambiguous one (fall back) is its first occurrence.
    Python's fold=0 is exactly that rule (PEP 495): the offset in force before the transition."""
    return datetime.combine(day, at, tzinfo=zone(timezone)).replace(fold=0).astimezone(UTC)
