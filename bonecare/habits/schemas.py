"""Habit request and response schemas."""

import marshmallow as ma
from marshmallow import validate

from bonecare.web.schemas import AwareDateTime, Date, Strict, VersionedOut


class HabitDayIn(Strict):
    cigarettes = ma.fields.Integer(required=True, strict=True, validate=validate.Range(0, 200))
    alcohol_drinks = ma.fields.Float(
        required=True,
        allow_nan=False,
        validate=validate.Range(0, 50),
        metadata={"description": "standard drinks; may be fractional"},
    )


class HabitDayOut(VersionedOut):
    date = Date(attribute="local_date")
    cigarettes = ma.fields.Integer()
    alcohol_drinks = ma.fields.Float()
    updated_at = AwareDateTime()
    deleted_at = AwareDateTime(allow_none=True)
