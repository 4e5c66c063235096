"""Treatment schemas."""

import marshmallow as ma
from marshmallow import validate

from bonecare.guidance import targets as t
from bonecare.guidance.facts import AGENTS
from bonecare.web.schemas import AwareDateTime, ClientId, Date, Strict, VersionedOut

_INTERVAL = validate.Range(1, 3650)


class TreatmentPatch(Strict):
    agent = ma.fields.String(validate=validate.OneOf(AGENTS))
    started_on = Date()
    stopped_on = Date(allow_none=True, metadata={"description": "null while the course goes on"})
    last_dose_on = Date(allow_none=True, metadata={"description": "the latest injection or infusion"})
    dose_interval_days = ma.fields.Integer(allow_none=True, strict=True, validate=_INTERVAL)
    note = ma.fields.String(allow_none=True, validate=validate.Length(max=1000))


class TreatmentIn(TreatmentPatch):
    id = ClientId()
    agent = ma.fields.String(required=True, validate=validate.OneOf(AGENTS))
    started_on = Date(required=True)
    stopped_on = Date(load_default=None, allow_none=True)
    last_dose_on = Date(load_default=None, allow_none=True)
    dose_interval_days = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=_INTERVAL,
        metadata={"description": "defaults from the agent (denosumab 182, zoledronic acid 365)"},
    )
    note = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))

    @ma.post_load
    def _interval_from_agent(self, data, **kwargs):
        if data.get("dose_interval_days") is None:
            data["dose_interval_days"] = t.DOSE_INTERVAL_DAYS.get(data["agent"])
        return data


class TreatmentOut(VersionedOut):
    id = ma.fields.UUID()
    agent = ma.fields.String(metadata={"enum": list(AGENTS)})
    started_on = Date()
    stopped_on = Date(allow_none=True)
    last_dose_on = Date(allow_none=True)
    dose_interval_days = ma.fields.Integer(allow_none=True)
    note = ma.fields.String(allow_none=True)
    created_at = AwareDateTime()
    updated_at = AwareDateTime()
    created_by = ma.fields.UUID(allow_none=True)
