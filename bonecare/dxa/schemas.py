"""DXA appointment, DXA result and vitamin D lab schemas."""

import marshmallow as ma
from marshmallow import validate

from bonecare.guidance import targets as t
from bonecare.web.schemas import AwareDateTime, ClientId, Date, PageQuery, Strict, VersionedOut

T_SCORE_RANGE = validate.Range(-7, 5)
PERCENT_RANGE = validate.Range(0, 100)
VITAMIN_D_NG_ML_MAX = 250
#: unit -> the highest plausible level in it (250 ng/mL)
VITAMIN_D_MAX = {"ng/mL": VITAMIN_D_NG_ML_MAX, "nmol/L": t.nmol_l(VITAMIN_D_NG_ML_MAX)}
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
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={"description": "why a scan less than 12 months after the last one is needed"},
    )


class AppointmentPatch(Strict):
    scheduled_for = Date()
    location = ma.fields.String(allow_none=True, validate=validate.Length(max=200))
    note = ma.fields.String(allow_none=True, validate=validate.Length(max=1000))
    override_reason = ma.fields.String(allow_none=True, validate=validate.Length(max=500))


class AppointmentOut(VersionedOut):
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
    return ma.fields.Float(
        load_default=None,
        allow_none=True,
        allow_nan=False,
        validate=T_SCORE_RANGE,
        metadata={"description": f"{site} T-score (-7 to +5)"},
    )


def _percent(what: str):
    return ma.fields.Float(
        load_default=None,
        allow_none=True,
        allow_nan=False,
        validate=PERCENT_RANGE,
        metadata={"description": f"10-year {what} fracture probability, % (FRAX)"},
    )


class ResultIn(Strict):
    id = ClientId()
    performed_on = Date(required=True)
    lumbar_spine_t = _t_score("lumbar spine")
    total_hip_t = _t_score("total hip")
    femoral_neck_t = _t_score("femoral neck")
    frax_major_pct = _percent("major osteoporotic")
    frax_hip_pct = _percent("hip")
    vertebral_fractures = ma.fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(0, VERTEBRAE)
    )
    frax_with_bmd = ma.fields.Boolean(
        load_default=None,
        allow_none=True,
        metadata={"description": "whether FRAX was calculated with the femoral-neck BMD"},
    )
    hip_fracture = ma.fields.Boolean(
        load_default=None, allow_none=True, metadata={"description": "a fragility hip fracture on record"}
    )

    @ma.validates_schema
    def _a_t_score(self, data, **kwargs):
        if all(data.get(f) is None for f in ("lumbar_spine_t", "total_hip_t", "femoral_neck_t")):
            raise ma.ValidationError("Give at least one T-score.", "lumbar_spine_t")


class ResultOut(VersionedOut):
    id = ma.fields.UUID()
    performed_on = Date()
    lumbar_spine_t = ma.fields.Float(allow_none=True)
    total_hip_t = ma.fields.Float(allow_none=True)
    femoral_neck_t = ma.fields.Float(allow_none=True)
    frax_major_pct = ma.fields.Float(allow_none=True)
    frax_hip_pct = ma.fields.Float(allow_none=True)
    vertebral_fractures = ma.fields.Integer(allow_none=True)
    frax_with_bmd = ma.fields.Boolean(allow_none=True)
    hip_fracture = ma.fields.Boolean(allow_none=True)
    created_at = AwareDateTime()
    created_by = ma.fields.UUID(allow_none=True)


class LabIn(Strict):
    """A level as the laboratory reported it ({value, unit}), or in ng/mL by the older field."""

    id = ClientId()
    measured_on = Date(required=True)
    value = ma.fields.Float(
        load_default=None,
        allow_nan=False,
        validate=validate.Range(0, VITAMIN_D_MAX["nmol/L"]),
        metadata={"description": "serum 25-OH vitamin D in `unit` (at most 250 ng/mL)"},
    )
    unit = ma.fields.String(load_default=None, validate=validate.OneOf(list(VITAMIN_D_MAX)))
    vitamin_d_25oh_ng_ml = ma.fields.Float(
        load_default=None,
        allow_nan=False,
        validate=validate.Range(0, VITAMIN_D_NG_ML_MAX),
        metadata={"description": "the older form: serum 25-OH vitamin D in ng/mL, instead of value and unit"},
    )

    @ma.validates_schema
    def _one_form(self, data, **kwargs):
        value, unit = data.get("value"), data.get("unit")
        if data.get("vitamin_d_25oh_ng_ml") is not None:
            given = [f for f in ("value", "unit") if data.get(f) is not None]
            if given:
                raise ma.ValidationError(
                    {f: ["Give value and unit, or vitamin_d_25oh_ng_ml, not both."] for f in given}
                )
            return
        if value is None and unit is None:
            message = ["Give value and unit (or the older vitamin_d_25oh_ng_ml)."]
            raise ma.ValidationError({"value": message, "vitamin_d_25oh_ng_ml": message})
        if value is None or unit is None:
            raise ma.ValidationError("Give both value and unit.", "unit" if unit is None else "value")
        if value > VITAMIN_D_MAX[unit]:
            raise ma.ValidationError(f"Must be at most {VITAMIN_D_MAX[unit]:g} {unit}.", "value")

    @ma.post_load
    def _in_both_units(self, data, **kwargs):
        if data.get("vitamin_d_25oh_ng_ml") is not None:
            data["value"], data["unit"] = data["vitamin_d_25oh_ng_ml"], "ng/mL"
        data["vitamin_d_25oh_ng_ml"] = round(t.ng_ml(data["value"], data["unit"]), 2)
        return data


class LabOut(VersionedOut):
    id = ma.fields.UUID()
    measured_on = Date()
    value = ma.fields.Float(metadata={"description": "as the laboratory reported it, in `unit`"})
    unit = ma.fields.String(metadata={"enum": list(VITAMIN_D_MAX)})
    vitamin_d_25oh_ng_ml = ma.fields.Float()
    vitamin_d_25oh_nmol_l = ma.fields.Method("_nmol_l", metadata={"type": "number"})
    created_at = AwareDateTime()
    created_by = ma.fields.UUID(allow_none=True)

    def _nmol_l(self, lab) -> float:
        return lab.value if lab.unit == "nmol/L" else t.nmol_l(lab.vitamin_d_25oh_ng_ml)
