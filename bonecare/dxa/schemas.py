"""DXA appointment, DXA result and vitamin D lab schemas."""

import marshmallow as ma
from marshmallow import validate

from bonecare.schemas import AwareDateTime, ClientId, Date, PageQuery, Strict

T_SCORE_RANGE = validate.Range(-7, 5)
PERCENT_RANGE = validate.Range(0, 100)
VITAMIN_D_NG_ML_RANGE = validate.Range(0, 250)
VERTEBRAE = 17  # thoracic and lumbar: the most vertebral fractures a spine can have


def _text(length: int):
    return ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=length))


class ListQuery(PageQuery):
    """?limit=&cursor=, and tombstones of cancelled appointments for sync."""

    include_deleted = ma.fields.Boolean(load_default=False, metadata={"description": "include cancelled ones"})


class AppointmentIn(Strict):
    id = ClientId()
    scheduled_for = Date(required=True, metadata={"description": "local date of the scan"})
    location = _text(200)
    note = _text(1000)
    override_reason = ma.fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=500),
        metadata={"description": "why a scan less than 12 months after the last one is needed"},
    )


class AppointmentPatch(Strict):
    scheduled_for = Date()
    location = ma.fields.String(allow_none=True, validate=validate.Length(max=200))
    note = ma.fields.String(allow_none=True, validate=validate.Length(max=1000))
    override_reason = ma.fields.String(allow_none=True, validate=validate.Length(max=500))


class AppointmentOut(ma.Schema):
    id = ma.fields.UUID()
    scheduled_for = Date()
    location = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)
    override_reason = ma.fields.String(allow_none=True)
    created_at = AwareDateTime()
    updated_at = AwareDateTime()
    created_by = ma.fields.UUID(allow_none=True)
    deleted_at = AwareDateTime(allow_none=True, metadata={"description": "set when the appointment was cancelled"})


def _t_score(site: str):
    return ma.fields.Float(load_default=None, allow_none=True, allow_nan=False, validate=T_SCORE_RANGE,
                           metadata={"description": f"{site} T-score (-7 to +5)"})


def _percent(what: str):
    return ma.fields.Float(load_default=None, allow_none=True, allow_nan=False, validate=PERCENT_RANGE,
                           metadata={"description": f"10-year {what} fracture probability, % (FRAX)"})


class ResultIn(Strict):
    id = ClientId()
    performed_on = Date(required=True)
    lumbar_spine_t = _t_score("lumbar spine")
    total_hip_t = _t_score("total hip")
    femoral_neck_t = _t_score("femoral neck")
    frax_major_pct = _percent("major osteoporotic")
    frax_hip_pct = _percent("hip")
    vertebral_fractures = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                                            validate=validate.Range(0, VERTEBRAE))

    @ma.validates_schema
    def _a_t_score(self, data, **kwargs):
        if all(data.get(f) is None for f in ("lumbar_spine_t", "total_hip_t", "femoral_neck_t")):
            raise ma.ValidationError("Give at least one T-score.", "lumbar_spine_t")


class ResultOut(ma.Schema):
    id = ma.fields.UUID()
    performed_on = Date()
    lumbar_spine_t = ma.fields.Float(allow_none=True)
    total_hip_t = ma.fields.Float(allow_none=True)
    femoral_neck_t = ma.fields.Float(allow_none=True)
    frax_major_pct = ma.fields.Float(allow_none=True)
    frax_hip_pct = ma.fields.Float(allow_none=True)
    vertebral_fractures = ma.fields.Integer(allow_none=True)
    created_at = AwareDateTime()
    created_by = ma.fields.UUID(allow_none=True)


class LabIn(Strict):
    id = ClientId()
    measured_on = Date(required=True)
    vitamin_d_25oh_ng_ml = ma.fields.Float(required=True, allow_nan=False, validate=VITAMIN_D_NG_ML_RANGE,
                                           metadata={"description": "serum 25-OH vitamin D, ng/mL"})


class LabOut(ma.Schema):
    id = ma.fields.UUID()
    measured_on = Date()
    vitamin_d_25oh_ng_ml = ma.fields.Float()
    created_at = AwareDateTime()
    created_by = ma.fields.UUID(allow_none=True)
