"""Gathers a patient's facts from the record and applies the guidance rules to them."""

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from bonecare.accounts.access import open_record
from bonecare.adherence.service import last_days, summaries
from bonecare.careplan.service import targets_for_many
from bonecare.dxa.models import DxaAppointment, DxaResult, VitaminDLab
from bonecare.guidance import targets as t
from bonecare.guidance.facts import DxaFacts, Facts, TreatmentFacts
from bonecare.guidance.rules import assess
from bonecare.localtime import local_today
from bonecare.treatments.models import Treatment


@dataclass(frozen=True)
class PatientState:
    """What the panel and the assessment know of one patient: facts, adherence, care plan, next appointment."""

    facts: Facts
    adherence: dict  # over the last ADHERENCE_WINDOW_DAYS local days
    next_appointment: object | None  # a row with id, scheduled_for, location
    plan: dict  # the care-plan targets the adherence was measured against


_DXA_COLUMNS = tuple(getattr(DxaResult, f.name) for f in fields(DxaFacts))
_TREATMENT_COLUMNS = tuple(getattr(Treatment, f.name) for f in fields(TreatmentFacts))


def _exercise_below(summary: dict, weekly_targets: dict) -> tuple[dict[str, int], int]:
    """kind -> how many of the last complete weeks fell short, and how many weeks were counted."""
    weeks = [w for w in summary["exercise"]["weeks"] if w["complete"]][-t.EXERCISE_WINDOW_WEEKS :]
    below = dict.fromkeys(weekly_targets, 0)
    for week in weeks:
        for kind, met in week["kinds_met"].items():
            below[kind] = below.get(kind, 0) + (not met)
    return below, len(weeks)


def _facts(patient, today: date, summary: dict, plan: dict, results, treatments, lab, appointment) -> Facts:
    below, counted = _exercise_below(summary, plan["exercise_weekly"])
    return Facts(
        today=today,
        dxa_results=tuple(results),
        vitamin_d_ng_ml=lab.vitamin_d_25oh_ng_ml if lab else None,
        vitamin_d_unit=lab.unit if lab else "ng/mL",
        vitamin_d_measured_on=lab.measured_on if lab else None,
        next_dxa_appointment=appointment.scheduled_for if appointment else None,
        smoking_status=patient.smoking_status,
        treatments=tuple(treatments),
        exemestane_started_on=plan["exemestane_started_on"],
        exemestane_stopped_on=plan["exemestane_stopped_on"],
        plan=plan,
        calcium_days=summary["calcium"]["days"],
        calcium_days_met=summary["calcium"]["days_met"],
        calcium_days_over_limit=summary["calcium"]["days_over_upper_limit"],
        vitamin_d_days=summary["vitamin_d"]["days"],
        vitamin_d_days_met=summary["vitamin_d"]["days_met"],
        vitamin_d_days_over_limit=summary["vitamin_d"]["days_over_upper_limit"],
        cigarettes_last_30_days=summary["smoking"]["cigarettes_total"],
        alcohol_weeks_over_limit=summary["alcohol"]["weeks_over_limit"],
        exercise_weeks_below_target=below,
        exercise_weeks_counted=counted,
    )


def gather(session, patients, now: datetime) -> dict:
    """patient id -> PatientState, for any number of patients in a constant number of queries."""
    if not patients:
        return {}
    ids = [p.id for p in patients]
    plans = targets_for_many(session, ids)
    recent = summaries(
        session, patients, {p.id: last_days(p, t.ADHERENCE_WINDOW_DAYS, now) for p in patients}, now, plans
    )
    # plain rows, not ORM objects: a panel reads hundreds of them
    results: dict = {}
    for row in session.execute(select(DxaResult.patient_id, *_DXA_COLUMNS).where(DxaResult.patient_id.in_(ids))):
        results.setdefault(row.patient_id, []).append(DxaFacts(*row[1:]))
    treatments: dict = {}
    for row in session.execute(select(Treatment.patient_id, *_TREATMENT_COLUMNS).where(Treatment.patient_id.in_(ids))):
        treatments.setdefault(row.patient_id, []).append(TreatmentFacts(*row[1:]))
    newest_first = (
        func.row_number()
        .over(
            partition_by=VitaminDLab.patient_id,
            order_by=(VitaminDLab.measured_on.desc(), VitaminDLab.created_at.desc()),
        )
        .label("n")
    )
    labs = (
        select(
            VitaminDLab.patient_id,
            VitaminDLab.vitamin_d_25oh_ng_ml,
            VitaminDLab.unit,
            VitaminDLab.measured_on,
            newest_first,
        )
        .where(VitaminDLab.patient_id.in_(ids))
        .subquery()
    )
    latest = select(labs.c.patient_id, labs.c.vitamin_d_25oh_ng_ml, labs.c.unit, labs.c.measured_on).where(
        labs.c.n == 1
    )
    latest_lab = {row.patient_id: row for row in session.execute(latest)}
    todays = {p.id: local_today(p.timezone, now) for p in patients}
    upcoming: dict = {}
    appointments = select(
        DxaAppointment.patient_id, DxaAppointment.id, DxaAppointment.scheduled_for, DxaAppointment.location
    ).where(
        DxaAppointment.patient_id.in_(ids),
        DxaAppointment.deleted_at.is_(None),
        DxaAppointment.scheduled_for >= min(todays.values()) - timedelta(days=1),
    )
    for appt in session.execute(appointments.order_by(DxaAppointment.scheduled_for.desc())):
        if appt.scheduled_for >= todays[appt.patient_id]:
            upcoming[appt.patient_id] = appt  # the last one written is the earliest
    return {
        p.id: PatientState(
            facts=_facts(
                p,
                todays[p.id],
                recent[p.id],
                plans[p.id],
                results.get(p.id, ()),
                treatments.get(p.id, ()),
                latest_lab.get(p.id),
                upcoming.get(p.id),
            ),
            adherence=recent[p.id],
            next_appointment=upcoming.get(p.id),
            plan=plans[p.id],
        )
        for p in patients
    }


def facts_for(session, patient, now: datetime) -> Facts:
    """The plain facts the guidance rules look at, for one patient (a constant number of queries)."""
    return gather(session, [patient], now)[patient.id].facts


def assessment(session, caller, pid, now: datetime) -> dict:
    """The guidance applied to the patient's record, worded for the caller's audience."""
    access = open_record(session, caller, pid, resource="assessment", now=now)
    result = assess(facts_for(session, access.patient, now), access.audience)
    session.commit()
    return {"flags": result.flags, "next_dxa_due": result.next_dxa_due}
