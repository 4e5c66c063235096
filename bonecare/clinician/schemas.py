"""Panel query and row schemas."""

import marshmallow as ma
from marshmallow import validate

from bonecare.guidance.facts import SEVERITY_RANK
from bonecare.guidance.wording import FLAG_CODES
from bonecare.web.schemas import AwareDateTime, Date, PageQuery

SORTS = ("severity", "adherence", "-adherence", "next_dxa", "name")


class PanelQuery(PageQuery):
    window_days = ma.fields.Integer(
        load_default=30,
        validate=validate.Range(1, 366),
        metadata={"description": "adherence over this many local days ending today"},
    )
    sort = ma.fields.String(
        load_default="severity",
        validate=validate.OneOf(SORTS),
        metadata={
            "description": "severity: most severe flag first; adherence: lowest first (-adherence: "
            "highest); next_dxa: soonest appointment first, none last; name"
        },
    )
    flag = ma.fields.String(
        load_default=None,
        validate=validate.OneOf(FLAG_CODES),
        metadata={"description": "only patients with this open flag"},
    )


class PanelPatient(ma.Schema):
    id = ma.fields.UUID()
    display_name = ma.fields.String()
    email = ma.fields.String()
    timezone = ma.fields.String()


class PanelAdherence(ma.Schema):
    window_days = ma.fields.Integer()
    days = ma.fields.Integer(metadata={"description": "countable days in the window"})
    score = ma.fields.Float(
        allow_none=True,
        metadata={"description": "mean of the calcium, vitamin D and exercise percentages that are not null"},
    )
    calcium_pct = ma.fields.Float(allow_none=True)
    vitamin_d_pct = ma.fields.Float(allow_none=True)
    exercise_weeks_met_pct = ma.fields.Float(allow_none=True)
    drinks_per_week_mean = ma.fields.Float(allow_none=True)
    alcohol_weeks_over_limit = ma.fields.Integer()
    days_smoked = ma.fields.Integer()
    days_with_any_log = ma.fields.Integer()
    current_streak_days = ma.fields.Integer()
    last_logged_at = AwareDateTime(allow_none=True)


class PanelFlag(ma.Schema):
    code = ma.fields.String()
    severity = ma.fields.String(validate=validate.OneOf(SEVERITY_RANK))


class PanelAppointment(ma.Schema):
    id = ma.fields.UUID()
    scheduled_for = Date()
    location = ma.fields.String(allow_none=True)


class PanelRow(ma.Schema):
    patient = ma.fields.Nested(PanelPatient)
    adherence = ma.fields.Nested(PanelAdherence)
    flags = ma.fields.List(ma.fields.Nested(PanelFlag), metadata={"description": "open flags, most severe first"})
    max_severity = ma.fields.String(allow_none=True, validate=validate.OneOf(SEVERITY_RANK))
    next_dxa_appointment = ma.fields.Nested(PanelAppointment, allow_none=True)
    next_dxa_due = Date(allow_none=True)
