"""Schema pieces every package shares: strict base, aware instants, pages of results."""

import re
from datetime import UTC, date

import marshmallow as ma
from marshmallow import validate

from bonecare.localtime import places

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


class Strict(ma.Schema):
    """Rejects unknown fields (the contract's 422)."""

    class Meta:
        unknown = ma.RAISE


# Every date and instant a client sends lies in these years, so that any zone and any span of days around it can
# be computed (year 1 in New York is before datetime's year 1).
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)
_OUT_OF_RANGE = f"Must be between {EARLIEST} and {LATEST}."

# What Date and AwareDateTime read: RFC 3339 (Python alone would also take 20260314, 2026-W11-6, a space for the T,
# +0530 or +05), in the years above. The patterns are what the spec states for a field a client sends.
_MONTH_DAY = "-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = "T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
_YEARS = "(19|20|21)[0-9]{2}"  # EARLIEST to LATEST
DATE_PATTERN = f"^{_YEARS}{_MONTH_DAY}$"
INSTANT_PATTERN = f"^{_YEARS}{_MONTH_DAY}{_TIME}$"
_DATE_SHAPE = re.compile(f"[0-9]{{4}}{_MONTH_DAY}")
_INSTANT_SHAPE = re.compile(f"[0-9]{{4}}{_MONTH_DAY}{_TIME}")


class Date(ma.fields.Date):
    """An RFC 3339 date (YYYY-MM-DD) between EARLIEST and LATEST."""

    input_pattern = DATE_PATTERN

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not _DATE_SHAPE.fullmatch(value):
            raise self.make_error("invalid")
        if not EARLIEST <= day <= LATEST:
            raise ma.ValidationError(_OUT_OF_RANGE)
        return day


class AwareDateTime(ma.fields.AwareDateTime):
    """An RFC 3339 instant, which carries its offset, stated in a year from EARLIEST to LATEST; dumped in UTC with Z."""

    input_pattern = INSTANT_PATTERN
    default_error_messages = {
        "invalid": "Not an RFC 3339 instant (e.g. 2026-03-08T08:00:00-05:00 or ...Z).",
        "invalid_awareness": "The instant must carry a UTC offset (e.g. 2026-03-08T08:00:00-05:00 or ...Z).",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        instant = super()._deserialize(value, attr, data, **kwargs)
        if not _INSTANT_SHAPE.fullmatch(value):
            raise self.make_error("invalid")
        if not EARLIEST <= instant.date() <= LATEST:  # the date as stated: the pattern can only read that one
            raise ma.ValidationError(_OUT_OF_RANGE)
        return instant

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class StatedOffset(ma.Schema):
    """A log entry's body with its instant (named by instant_field) gains utc_offset_min: the UTC offset the phone
    sent it with, in minutes, or None for "Z" (UTC, which states no local offset). Only the raw string tells "Z" from
    "+00:00"."""

    instant_field: str

    @ma.post_load(pass_original=True)
    def _stated_offset(self, data, original, **kwargs):
        if self.instant_field not in data:  # a PATCH that keeps the instant keeps its offset
            return data
        raw = original[self.instant_field].strip().upper()
        offset = data[self.instant_field].utcoffset()
        data["utc_offset_min"] = None if raw.endswith("Z") else int(offset.total_seconds() // 60)
        return data


# An IANA time zone that is a place (Area/Location, e.g. Europe/Lisbon) or UTC, that the pinned tzdata knows; as a
# validator of choices, so that the spec lists them.
validate_timezone = validate.OneOf(
    sorted(places()), error="Unknown time zone: use an IANA Area/Location name such as Europe/Lisbon, or UTC."
)


class Patch:
    """A create schema as a PATCH body: any subset of its fields but the id; an absent field keeps its value."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, exclude=("id",), **kwargs)


class ClientId(ma.fields.UUID):
    """An id a client may make (offline) on create, so that a retry stores nothing twice."""

    def __init__(self, **kwargs):
        super().__init__(metadata={"description": "a client-made id, for idempotent retries"}, **kwargs)


class Pattern(validate.Regexp):
    """A regular expression the whole text must match, as the spec's pattern (apispec copies it there) means it:
    Python's `$` also matches before a final newline. (Write [0-9]: Python's `\\d` is any script's digit.)"""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


class TimeOfDay(ma.fields.String):
    """A local wall-clock time "HH:MM"."""

    def __init__(self, **kwargs):
        super().__init__(
            validate=Pattern("^([01][0-9]|2[0-3]):[0-5][0-9]$", error="Must be a time of day HH:MM."), **kwargs
        )


class PageQuery(Strict):
    """?limit=&cursor= for every list."""

    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT))
    # A cursor is URL-safe base64 (an encrypted sort key); the panel's, holding a name of up to 100 characters, is
    # under 1 KiB.
    cursor = ma.fields.String(
        load_default=None,
        validate=[
            validate.Length(max=1024),
            Pattern("^[A-Za-z0-9_-]*$", error="Not a cursor this server issued."),
        ],
    )


class DateRange(Strict):
    """?from=&to= (inclusive, patient-local dates)."""

    from_ = Date(data_key="from", load_default=None)
    to = Date(load_default=None)

    @ma.validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ma.ValidationError("Must not be after 'to'.", "from")


class DateRangeQuery(DateRange, PageQuery):
    """?from=&to= (inclusive, patient-local) with paging."""


def page_of(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The schema of a page: {items: [...], next_cursor}."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "next_cursor": ma.fields.String(allow_none=True, required=True),
        },
        name=name,
    )


class LogQuery(DateRangeQuery):
    """A log's list query: a local-date range, paging, and tombstones for sync."""

    include_deleted = ma.fields.Boolean(
        load_default=False, metadata={"description": "include tombstones of deleted entries, for sync"}
    )


class VersionedOut(ma.Schema):
    """What every record a phone syncs shows: its version and when it last changed."""

    version = ma.fields.Integer(metadata={"description": "grows with each change; the ETag a write's If-Match names"})
    updated_at = AwareDateTime(allow_none=True)


class LogEntryOut(VersionedOut):
    """What every log entry shows: its id, local day, note and, for sync, when it was made and deleted."""

    id = ma.fields.UUID()
    local_date = Date()
    note = ma.fields.String(allow_none=True)
    utc_offset_min = ma.fields.Integer(
        allow_none=True, metadata={"description": "the UTC offset the instant was sent with; null if sent in UTC (Z)"}
    )
    created_at = AwareDateTime()
    deleted_at = AwareDateTime(allow_none=True)
