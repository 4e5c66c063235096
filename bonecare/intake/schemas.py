"""Intake request and response schemas."""

import marshmallow as ma
from marshmallow import validate

from bonecare.web.schemas import AwareDateTime, ClientId, LogEntryOut, Patch, StatedOffset, Strict

CALCIUM_MG_PER_ENTRY_MAX = 5000
VITAMIN_D_IU_PER_ENTRY_MAX = 100_000


class Dose(Strict):
    """Calcium and vitamin D from one source: an intake entry's amounts, and the dose a reminder's `done` logs."""

    calcium_mg = ma.fields.Float(load_default=0, validate=validate.Range(0, CALCIUM_MG_PER_ENTRY_MAX), allow_nan=False)
    vitamin_d_iu = ma.fields.Float(
        load_default=0, validate=validate.Range(0, VITAMIN_D_IU_PER_ENTRY_MAX), allow_nan=False
    )
    source = ma.fields.String(required=True, validate=validate.OneOf(["supplement", "diet"]))
    product = ma.fields.String(load_default=None, validate=validate.Length(max=200))

    @ma.validates_schema
    def _something_taken(self, data, partial=False, **kwargs):
        if partial:  # a PATCH: the service checks the entry as it will be
            return
        if not (data.get("calcium_mg", 0) > 0 or data.get("vitamin_d_iu", 0) > 0):
            raise ma.ValidationError("At least one of calcium_mg and vitamin_d_iu must be above 0.", "calcium_mg")


class IntakeIn(StatedOffset, Dose):
    instant_field = "taken_at"
    id = ClientId()
    taken_at = AwareDateTime(required=True)
    note = ma.fields.String(load_default=None, validate=validate.Length(max=1000))


class IntakePatch(Patch, IntakeIn):
    """Any of an intake entry's fields but its id."""


class IntakeOut(LogEntryOut):
    taken_at = AwareDateTime()
    calcium_mg = ma.fields.Float()
    vitamin_d_iu = ma.fields.Float()
    source = ma.fields.String()
    product = ma.fields.String(allow_none=True)
