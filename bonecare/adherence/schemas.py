"""Schemas of today's progress and of adherence summaries."""

import marshmallow as ma

from bonecare.exercise.models import KINDS
from bonecare.web.schemas import AwareDateTime, Date, DateRange


class _NutrientToday(ma.Schema):
    target_min = ma.fields.Integer()
    target_max = ma.fields.Integer()
    met = ma.fields.Boolean()


class CalciumToday(_NutrientToday):
    total_mg = ma.fields.Float()


class VitaminDToday(_NutrientToday):
    total_iu = ma.fields.Float()


class NextReminder(ma.Schema):
    id = ma.fields.UUID()
    kind = ma.fields.String()
    title = ma.fields.String()
    scheduled_for = AwareDateTime(attribute="due_at")


class NextDxa(ma.Schema):
    id = ma.fields.UUID()
    scheduled_for = Date()
    location = ma.fields.String(allow_none=True)


class TodayOut(ma.Schema):
    date = Date()
    calcium = ma.fields.Nested(CalciumToday)
    vitamin_d = ma.fields.Nested(VitaminDToday)
    exercise_week = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf(KINDS)),
        values=ma.fields.Integer(),
        metadata={"description": "minutes by kind this ISO week (Monday to today, local)"},
    )
    next_reminder = ma.fields.Nested(NextReminder, allow_none=True)
    next_dxa_appointment = ma.fields.Nested(NextDxa, allow_none=True)


class AdherenceQuery(DateRange):
    """?from=&to= (inclusive, patient-local; default the 30 local days ending today)."""


def _by_kind(description: str):
    return ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), metadata={"description": description})


class IntakeAdherence(ma.Schema):
    days = ma.fields.Integer(metadata={"description": "countable days in the window"})
    days_met = ma.fields.Integer()
    pct = ma.fields.Float(allow_none=True, metadata={"description": "0-100, one decimal; null with no countable day"})
    days_over_upper_limit = ma.fields.Integer()


class CalciumAdherence(IntakeAdherence):
    mean_mg_per_day = ma.fields.Float(allow_none=True)


class VitaminDAdherence(IntakeAdherence):
    mean_iu_per_day = ma.fields.Float(allow_none=True)


# Whether each kind met its weekly target: a schema of its own, so that a generated client has a class for it.
KindsMet = ma.Schema.from_dict({kind: ma.fields.Boolean() for kind in KINDS}, name="KindsMet")


class ExerciseWeek(ma.Schema):
    week_start = Date(metadata={"description": "the Monday of the ISO week (local)"})
    complete = ma.fields.Boolean(metadata={"description": "all seven days are countable; only these are judged"})
    minutes = _by_kind("minutes by kind, over the countable days")
    sessions = _by_kind("sessions by kind, over the countable days")
    met = ma.fields.Boolean(allow_none=True, metadata={"description": "every kind met its weekly target"})
    kinds_met = ma.fields.Nested(
        KindsMet, allow_none=True, metadata={"description": "null while the week is incomplete"}
    )


class ExerciseAdherence(ma.Schema):
    weeks = ma.fields.List(ma.fields.Nested(ExerciseWeek))
    weeks_counted = ma.fields.Integer()
    weeks_met = ma.fields.Integer()
    weeks_met_pct = ma.fields.Float(allow_none=True)


class AlcoholAdherence(ma.Schema):
    drinks_per_week_mean = ma.fields.Float(allow_none=True)
    weeks_over_limit = ma.fields.Integer()
    limit_per_week = ma.fields.Float()


class SmokingAdherence(ma.Schema):
    days_smoked = ma.fields.Integer()
    cigarettes_total = ma.fields.Integer()


class LoggingAdherence(ma.Schema):
    days_with_any_log = ma.fields.Integer()
    current_streak_days = ma.fields.Integer(
        metadata={"description": "consecutive logged days ending today (or yesterday while today has no log yet)"}
    )
    last_logged_at = AwareDateTime(allow_none=True)


class AdherenceOut(ma.Schema):
    from_ = Date(data_key="from", attribute="from")
    to = Date()
    start = Date(metadata={"description": "the patient's start: registration day or first log, if earlier"})
    days = ma.fields.Integer(metadata={"description": "countable days: from start or from, to today or to"})
    calcium = ma.fields.Nested(CalciumAdherence)
    vitamin_d = ma.fields.Nested(VitaminDAdherence)
    exercise = ma.fields.Nested(ExerciseAdherence)
    alcohol = ma.fields.Nested(AlcoholAdherence)
    smoking = ma.fields.Nested(SmokingAdherence)
    logging = ma.fields.Nested(LoggingAdherence)
