"""Today's progress against the care plan, in the patient's local day and ISO week."""

from datetime import datetime, timedelta

from sqlalchemy import func, select

from bonecare.accounts.access import open_record
from bonecare.careplan.service import targets_for
from bonecare.dxa.models import DxaAppointment
from bonecare.exercise.models import KINDS, Exercise
from bonecare.intake.models import Intake
from bonecare.logbook import local_today
from bonecare.reminders.models import Occurrence


def today(session, caller, pid, now: datetime) -> dict:
    """Today's calcium and vitamin D totals, this week's exercise minutes, what comes next."""
    access = open_record(session, caller, pid, resource="today", now=now)
    patient = access.patient
    day = local_today(patient.timezone, now)
    week_start = day - timedelta(days=day.weekday())
    targets = targets_for(session, patient.id)

    calcium, vitamin_d = session.execute(
        select(func.coalesce(func.sum(Intake.calcium_mg), 0), func.coalesce(func.sum(Intake.vitamin_d_iu), 0)).where(
            Intake.patient_id == patient.id, Intake.local_date == day, Intake.deleted_at.is_(None)
        )
    ).one()
    minutes = dict(
        session.execute(
            select(Exercise.kind, func.sum(Exercise.duration_min))
            .where(
                Exercise.patient_id == patient.id,
                Exercise.local_date.between(week_start, day),
                Exercise.deleted_at.is_(None),
            )
            .group_by(Exercise.kind)
        ).all()
    )
    next_reminder = session.scalar(
        select(Occurrence)
        .where(Occurrence.patient_id == patient.id, Occurrence.status == "pending", Occurrence.due_at >= now)
        .order_by(Occurrence.due_at)
        .limit(1)
    )
    next_dxa = session.scalar(
        select(DxaAppointment)
        .where(
            DxaAppointment.patient_id == patient.id,
            DxaAppointment.scheduled_for >= day,
            DxaAppointment.deleted_at.is_(None),
        )
        .order_by(DxaAppointment.scheduled_for)
        .limit(1)
    )
    return {
        "date": day,
        "calcium": _progress(calcium, targets["calcium_mg_min"], targets["calcium_mg_max"], "total_mg"),
        "vitamin_d": _progress(vitamin_d, targets["vitamin_d_iu_min"], targets["vitamin_d_iu_max"], "total_iu"),
        "exercise_week": {kind: int(minutes.get(kind, 0)) for kind in KINDS},
        "next_reminder": next_reminder,
        "next_dxa_appointment": next_dxa,
    }


def _progress(total: float, target_min: int, target_max: int, total_key: str) -> dict:
    return {total_key: float(total), "target_min": target_min, "target_max": target_max, "met": total >= target_min}
