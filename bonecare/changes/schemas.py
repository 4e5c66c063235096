"""The changes feed's query and answer."""

import marshmallow as ma
from marshmallow import validate

from bonecare.careplan.schemas import CarePlanOut
from bonecare.changes.service import KINDS
from bonecare.dxa.schemas import AppointmentOut, LabOut, ResultOut
from bonecare.exercise.schemas import ExerciseOut
from bonecare.habits.schemas import HabitDayOut
from bonecare.intake.schemas import IntakeOut
from bonecare.patients.schemas import ProfileOut
from bonecare.reminders.schemas import DeviceOut, ReminderOut
from bonecare.treatments.schemas import TreatmentOut
from bonecare.web.schemas import AwareDateTime, Strict

MAX_LIMIT = 1000
# What each type's single GET answers, as the feed's `record`.
SCHEMAS = {
    "profile": ProfileOut,
    "intake": IntakeOut,
    "exercise": ExerciseOut,
    "habits": HabitDayOut,
    "reminder": ReminderOut,
    "device": DeviceOut,
    "care_plan": CarePlanOut,
    "dxa_appointment": AppointmentOut,
    "dxa_result": ResultOut,
    "lab": LabOut,
    "treatment": TreatmentOut,
}
assert SCHEMAS.keys() == KINDS.keys()
_DUMPERS = {name: schema() for name, schema in SCHEMAS.items()}  # made once: a schema costs more to make than to use


class ChangesQuery(Strict):
    since = ma.fields.Integer(
        load_default=None,
        validate=validate.Range(0, 2**53),
        metadata={"description": "the next_since of the last page read; omit it for everything"},
    )
    limit = ma.fields.Integer(load_default=500, validate=validate.Range(1, MAX_LIMIT))


class ChangeOut(ma.Schema):
    type = ma.fields.String(metadata={"enum": list(SCHEMAS)})
    id = ma.fields.String(
        metadata={"description": "the record's id (a habits day: its date; a care plan: the patient's id)"}
    )
    op = ma.fields.String(metadata={"enum": ["upsert", "delete"]})
    version = ma.fields.Integer()
    updated_at = AwareDateTime(allow_none=True)
    record = ma.fields.Method(
        "_record",
        allow_none=True,
        metadata={"description": "an object, what the record's GET answers; null for a delete"},
    )

    def _record(self, change: dict):
        record = change["record"]
        return None if record is None else _DUMPERS[change["type"]].dump(record)


class ChangesOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ChangeOut))
    next_since = ma.fields.Integer(metadata={"description": "pass it as since to read on"})
    has_more = ma.fields.Boolean()
    server_time = AwareDateTime()
