"""Schemas of the assessment."""

import marshmallow as ma

from bonecare.guidance.facts import SEVERITY_RANK
from bonecare.web.schemas import Date


class FlagOut(ma.Schema):
    code = ma.fields.String()
    severity = ma.fields.String(metadata={"enum": list(SEVERITY_RANK)})
    message = ma.fields.String()
    citation = ma.fields.String()


class AssessmentOut(ma.Schema):
    flags = ma.fields.List(ma.fields.Nested(FlagOut), metadata={"description": "most severe first"})
    next_dxa_due = Date(allow_none=True, metadata={"description": "null until a first DXA is on record"})
