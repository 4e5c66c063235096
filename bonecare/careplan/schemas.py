"""Care-plan schemas."""

import marshmallow as ma
from marshmallow import validate

from bonecare.exercise.models import KINDS
from bonecare.guidance import targets as t
from bonecare.web.schemas import Date, Strict, VersionedOut


class WeeklyTarget(Strict):
    """Sessions, minutes or both (one left out counts as 0), but not neither."""

    class Meta(Strict.Meta):
        spec_keywords = {"minProperties": 1}

    sessions = ma.fields.Integer(strict=True, validate=validate.Range(0, 21))
    minutes = ma.fields.Integer(strict=True, validate=validate.Range(0, 3000))


class ExerciseWeekly(Strict):
    balance = ma.fields.Nested(WeeklyTarget, required=True)
    flexibility = ma.fields.Nested(WeeklyTarget, required=True)
    endurance = ma.fields.Nested(WeeklyTarget, required=True)
    resistance = ma.fields.Nested(WeeklyTarget, required=True)


class CarePlanIn(Strict):
    calcium_mg_min = ma.fields.Integer(required=True, strict=True, validate=validate.Range(0, 5000))
    calcium_mg_max = ma.fields.Integer(required=True, strict=True, validate=validate.Range(0, 5000))
    vitamin_d_iu_min = ma.fields.Integer(required=True, strict=True, validate=validate.Range(0, 100_000))
    vitamin_d_iu_max = ma.fields.Integer(required=True, strict=True, validate=validate.Range(0, 100_000))
    exercise_weekly = ma.fields.Nested(ExerciseWeekly, required=True)
    alcohol_drinks_per_week_max = ma.fields.Float(required=True, allow_nan=False, validate=validate.Range(0, 100))
    ceiling_reason = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={
            "description": f"required when calcium_mg_max exceeds {t.CALCIUM_UPPER_LIMIT_MG} or "
            f"vitamin_d_iu_max exceeds {t.VITAMIN_D_UPPER_LIMIT_IU} (the upper limits)"
        },
    )
    exemestane_started_on = Date(
        load_default=None, allow_none=True, metadata={"description": "DXA monitoring runs from here"}
    )
    exemestane_stopped_on = Date(
        load_default=None,
        allow_none=True,
        metadata={"description": "DXA monitoring stops here, unless a bone-modifying agent goes on"},
    )

    @ma.validates_schema
    def _ranges(self, data, **kwargs):
        errors = {}
        for lo, hi in (("calcium_mg_min", "calcium_mg_max"), ("vitamin_d_iu_min", "vitamin_d_iu_max")):
            if lo in data and hi in data and data[lo] > data[hi]:
                errors[lo] = [f"Must not exceed {hi}."]
        for field, limit, unit in (
            ("calcium_mg_max", t.CALCIUM_UPPER_LIMIT_MG, "mg"),
            ("vitamin_d_iu_max", t.VITAMIN_D_UPPER_LIMIT_IU, "IU"),
        ):
            if data.get(field, 0) > limit and not (data.get("ceiling_reason") or "").strip():
                errors["ceiling_reason"] = [f"{field} is above the upper limit ({limit} {unit}/day): say why."]
        started, stopped = data.get("exemestane_started_on"), data.get("exemestane_stopped_on")
        if started and stopped and stopped < started:
            errors["exemestane_stopped_on"] = ["Must not be before exemestane_started_on."]
        for kind in KINDS:
            if kind in data.get("exercise_weekly", {}) and not data["exercise_weekly"][kind]:
                errors[f"exercise_weekly.{kind}"] = ["Give sessions or minutes."]
        if errors:
            raise ma.ValidationError(errors)


class CarePlanOut(VersionedOut, CarePlanIn):
    class Meta:
        unknown = ma.EXCLUDE

    is_default = ma.fields.Boolean(metadata={"description": "true while every target is the guidance's default"})
