"""Today's progress against the care plan, in the patient's local day and ISO week."""

from datetime import datetime, timedelta

from sqlalchemy import Date, Uuid, bindparam, func, literal, select, true

from bonecare.accounts.access import open_record
from bonecare.careplan.models import CarePlan
from bonecare.database import UTCDateTime
from bonecare.dxa.models import DxaAppointment
from bonecare.exercise.models import KINDS
from bonecare.guidance.targets import care_plan_defaults
from bonecare.localtime import local_today
from bonecare.logbook.daily import PatientDay as Day
from bonecare.reminders.models import Occurrence

# Built once with bound parameters: today is read on every app launch, and building
# statements costs more than running them.
_PATIENT = bindparam("patient_id", type_=Uuid)
_DAY = bindparam("day", type_=Date)
_WEEK_START = bindparam("week_start", type_=Date)
_NOW = bindparam("now", type_=UTCDateTime)


def _day_sum(column, first=_DAY):
    """The patient's daily summaries' column summed over first.._DAY (one row a day: logbook.daily)."""
    return (
        select(func.coalesce(func.sum(column), 0))
        .where(Day.patient_id == _PATIENT, Day.local_date.between(first, _DAY))
        .scalar_subquery()
    )


_NEXT_REMINDER = (
    select(Occurrence.id, Occurrence.kind, Occurrence.title, Occurrence.due_at)
    .where(Occurrence.patient_id == _PATIENT, Occurrence.status == "pending", Occurrence.due_at >= _NOW)
    .order_by(Occurrence.due_at)
    .limit(1)
    .subquery("next_reminder")
)
_NEXT_DXA = (
    select(DxaAppointment.id, DxaAppointment.scheduled_for, DxaAppointment.location)
    .where(
        DxaAppointment.patient_id == _PATIENT,
        DxaAppointment.scheduled_for >= _DAY,
        DxaAppointment.deleted_at.is_(None),
    )
    .order_by(DxaAppointment.scheduled_for)
    .limit(1)
    .subquery("next_dxa")
)
_TARGETS = ("calcium_mg_min", "calcium_mg_max", "vitamin_d_iu_min", "vitamin_d_iu_max")
_PLAN = select(*(getattr(CarePlan, f) for f in _TARGETS)).where(CarePlan.patient_id == _PATIENT).subquery("plan")
# One statement: the care plan's targets, the day's totals, the week's minutes and what comes next, each left-joined
# to a one-row base (a patient without a plan, a reminder or an appointment still gets her row).
_TODAY = select(
    *(_PLAN.c[f] for f in _TARGETS),
    _day_sum(Day.calcium_mg),
    _day_sum(Day.vitamin_d_iu),
    *(_day_sum(getattr(Day, f"{kind}_min"), _WEEK_START) for kind in KINDS),
    *(_NEXT_REMINDER.c[f].label(f"reminder_{f}") for f in ("id", "kind", "title", "due_at")),
    *(_NEXT_DXA.c[f].label(f"dxa_{f}") for f in ("id", "scheduled_for", "location")),
).select_from(
    select(literal(1).label("one"))
    .subquery("base")
    .outerjoin(_PLAN, true())
    .outerjoin(_NEXT_REMINDER, true())
    .outerjoin(_NEXT_DXA, true())
)


def today(session, caller, pid, now: datetime) -> dict:
    """Today's calcium and vitamin D totals, this week's exercise minutes, what comes next."""
    patient = open_record(session, caller, pid, resource="today", now=now).patient
    day = local_today(patient.timezone, now)
    params = {"patient_id": patient.id, "day": day, "week_start": day - timedelta(days=day.weekday()), "now": now}
    row = session.execute(_TODAY, params).one()
    session.commit()
    ca_min, ca_max, vd_min, vd_max = row[:4] if row[0] is not None else map(care_plan_defaults().get, _TARGETS)
    calcium, vitamin_d, *minutes = row[4:10]
    reminder = row.reminder_id and {"id": row.reminder_id, "kind": row.reminder_kind, "title": row.reminder_title}
    dxa = row.dxa_id and {"id": row.dxa_id, "scheduled_for": row.dxa_scheduled_for, "location": row.dxa_location}
    return {
        "date": day,
        "calcium": _progress(calcium, ca_min, ca_max, "total_mg"),
        "vitamin_d": _progress(vitamin_d, vd_min, vd_max, "total_iu"),
        "exercise_week": {kind: int(m) for kind, m in zip(KINDS, minutes, strict=True)},
        "next_reminder": reminder and {**reminder, "due_at": row.reminder_due_at},
        "next_dxa_appointment": dxa or None,
    }


def _progress(total: float, target_min: int, target_max: int, total_key: str) -> dict:
    return {total_key: float(total), "target_min": target_min, "target_max": target_max, "met": total >= target_min}
