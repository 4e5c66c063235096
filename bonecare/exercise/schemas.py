"""Exercise request and response schemas."""

import marshmallow as ma
from marshmallow import validate

from bonecare.exercise.models import INTENSITIES, KINDS
from bonecare.web.schemas import AwareDateTime, ClientId, LogEntryOut, Patch, StatedOffset, Strict


class ExerciseIn(StatedOffset, Strict):
    instant_field = "started_at"
    id = ClientId()
    started_at = AwareDateTime(required=True)
    duration_min = ma.fields.Integer(required=True, strict=True, validate=validate.Range(1, 600))
    kind = ma.fields.String(required=True, validate=validate.OneOf(KINDS))
    intensity = ma.fields.String(load_default=None, validate=validate.OneOf(INTENSITIES))
    note = ma.fields.String(load_default=None, validate=validate.Length(max=1000))


class ExercisePatch(Patch, ExerciseIn):
    """Any of an exercise session's fields but its id."""


class ExerciseOut(LogEntryOut):
    started_at = AwareDateTime()
    duration_min = ma.fields.Integer()
    kind = ma.fields.String()
    intensity = ma.fields.String(allow_none=True)
