"""Profile schemas."""

import marshmallow as ma
from marshmallow import validate

from bonecare.accounts.models import SMOKING_STATUSES
from bonecare.web.schemas import AwareDateTime, Strict, TimeOfDay, VersionedOut, validate_timezone


class QuietHours(Strict):
    start = TimeOfDay(required=True)
    end = TimeOfDay(required=True)


class _StoredQuietHours(ma.fields.Nested):
    """The quiet hours a user has (two columns), or null."""

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return {"start": obj.quiet_start, "end": obj.quiet_end} if obj.quiet_start else None


class ProfilePatch(Strict):
    display_name = ma.fields.String(validate=validate.Length(min=1, max=100))
    timezone = ma.fields.String(validate=validate_timezone)
    smoking_status = ma.fields.String(allow_none=True, validate=validate.OneOf(SMOKING_STATUSES))
    quiet_hours = ma.fields.Nested(QuietHours, allow_none=True)


class ProfileOut(VersionedOut):
    id = ma.fields.UUID()
    email = ma.fields.String()
    display_name = ma.fields.String()
    timezone = ma.fields.String()
    smoking_status = ma.fields.String(allow_none=True, validate=validate.OneOf(SMOKING_STATUSES))
    quiet_hours = _StoredQuietHours(QuietHours, allow_none=True)
    created_at = AwareDateTime()
