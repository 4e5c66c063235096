"""Schemas of today's progress and of adherence summaries."""

import marshmallow as ma

from bonecare.exercise.models import KINDS
from bonecare.schemas import AwareDateTime


class CalciumToday(ma.Schema):
    total_mg = ma.fields.Float()
    target_min = ma.fields.Integer()
    target_max = ma.fields.Integer()
    met = ma.fields.Boolean()


class VitaminDToday(ma.Schema):
    total_iu = ma.fields.Float()
    target_min = ma.fields.Integer()
    target_max = ma.fields.Integer()
    met = ma.fields.Boolean()


class NextReminder(ma.Schema):
    id = ma.fields.UUID()
    kind = ma.fields.String()
    title = ma.fields.String()
    scheduled_for = AwareDateTime(attribute="due_at")


class NextDxa(ma.Schema):
    id = ma.fields.UUID()
    scheduled_for = ma.fields.Date()
    location = ma.fields.String(allow_none=True)


class TodayOut(ma.Schema):
    date = ma.fields.Date()
    calcium = ma.fields.Nested(CalciumToday)
    vitamin_d = ma.fields.Nested(VitaminDToday)
    exercise_week = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf(KINDS)), values=ma.fields.Integer(),
        metadata={"description": "minutes by kind this ISO week (Monday to today, local)"},
    )
    next_reminder = ma.fields.Nested(NextReminder, allow_none=True)
    next_dxa_appointment = ma.fields.Nested(NextDxa, allow_none=True)
