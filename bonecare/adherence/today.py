"""Today's progress against the care plan, in the patient's local day and ISO week."""

from datetime import datetime, timedelta

from sqlalchemy import Date, Uuid, bindparam, func, select

from bonecare.accounts.access import open_record
from bonecare.careplan.service import targets_for
from bonecare.database import UTCDateTime
from bonecare.dxa.models import DxaAppointment
from bonecare.exercise.models import KINDS, Exercise
from bonecare.intake.models import Intake
from bonecare.localtime import local_today
from bonecare.reminders.models import Occurrence

# Built once with bound parameters: today is read on every app launch, and building
# statements costs more than running them.
_PATIENT = bindparam("patient_id", type_=Uuid)
_DAY = bindparam("day", type_=Date)
_WEEK_START = bindparam("week_start", type_=Date)
_NOW = bindparam("now", type_=UTCDateTime)


def _intake_total(column):
    return (
        select(func.coalesce(func.sum(column), 0))
        .where(Intake.patient_id == _PATIENT, Intake.local_date == _DAY, Intake.deleted_at.is_(None))
        .scalar_subquery()
    )


def _week_minutes(kind: str):
    return (
        select(func.coalesce(func.sum(Exercise.duration_min), 0))
        .where(
            Exercise.patient_id == _PATIENT,
            Exercise.kind == kind,
            Exercise.local_date.between(_WEEK_START, _DAY),
            Exercise.deleted_at.is_(None),
        )
        .scalar_subquery()
    )


_TOTALS = select(_intake_total(Intake.calcium_mg), _intake_total(Intake.vitamin_d_iu), *map(_week_minutes, KINDS))
_NEXT_REMINDER = (
    select(Occurrence)
    .where(Occurrence.patient_id == _PATIENT, Occurrence.status == "pending", Occurrence.due_at >= _NOW)
    .order_by(Occurrence.due_at)
    .limit(1)
)
_NEXT_DXA = (
    select(DxaAppointment)
    .where(
        DxaAppointment.patient_id == _PATIENT,
        DxaAppointment.scheduled_for >= _DAY,
        DxaAppointment.deleted_at.is_(None),
    )
    .order_by(DxaAppointment.scheduled_for)
    .limit(1)
)


def today(session, caller, pid, now: datetime) -> dict:
    """Today's calcium and vitamin D totals, this week's exercise minutes, what comes next."""
    patient = open_record(session, caller, pid, resource="today", now=now).patient
    day = local_today(patient.timezone, now)
    params = {"patient_id": patient.id, "day": day, "week_start": day - timedelta(days=day.weekday()), "now": now}
    targets = targets_for(session, patient.id)
    calcium, vitamin_d, *minutes = session.execute(_TOTALS, params).one()
    next_reminder, next_dxa = session.scalar(_NEXT_REMINDER, params), session.scalar(_NEXT_DXA, params)
    session.commit()
    return {
        "date": day,
        "calcium": _progress(calcium, targets["calcium_mg_min"], targets["calcium_mg_max"], "total_mg"),
        "vitamin_d": _progress(vitamin_d, targets["vitamin_d_iu_min"], targets["vitamin_d_iu_max"], "total_iu"),
        "exercise_week": {kind: int(m) for kind, m in zip(KINDS, minutes, strict=True)},
        "next_reminder": next_reminder,
        "next_dxa_appointment": next_dxa,
    }


def _progress(total: float, target_min: int, target_max: int, total_key: str) -> dict:
    return {total_key: float(total), "target_min": target_min, "target_max": target_max, "met": total >= target_min}
