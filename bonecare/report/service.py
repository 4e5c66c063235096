"""The one-page report a patient takes to her doctor and a clinician files: what it holds, gathered through the
same use cases as the API (adherence, the assessment, the clinical records), then drawn by pdf.py."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from bonecare.accounts.access import open_record
from bonecare.adherence import queries
from bonecare.adherence.service import summaries, window
from bonecare.assessment.service import facts_for
from bonecare.careplan.service import targets_for
from bonecare.dxa.models import DxaResult, VitaminDLab
from bonecare.guidance.rules import assess
from bonecare.localtime import local_today
from bonecare.report.pdf import render
from bonecare.treatments.models import Treatment

DEFAULT_DAYS = 90  # a quarter: the span between two clinic visits
MAX_DAYS = 366


@dataclass(frozen=True)
class ReportData:
    """Everything one report shows, in the caller's words (a patient's plain, a clinician's clinical)."""

    name: str
    timezone: str
    first: date
    last: date
    made_at: datetime
    audience: str
    summary: dict  # the adherence summary of the window, as GET /adherence answers it
    plan: dict  # the care plan's targets
    daily: dict  # local date -> (calcium mg, vitamin D IU)
    habits: dict  # week's Monday -> (drinks, cigarettes, days smoked), the weeks with a day logged
    results: list  # DXA results, newest first
    labs: list  # 25-OH vitamin D, newest first
    treatments: list  # newest first
    flags: tuple
    next_dxa_due: date | None


def gather(session, caller, pid, query: dict, now: datetime) -> ReportData:
    """The report's contents for the patient behind `pid` (a clinician's read is in the access log)."""
    access = open_record(session, caller, pid, resource="report", now=now)
    patient = access.patient
    first, last = window(patient, query, now, query.get("days", DEFAULT_DAYS), MAX_DAYS)
    verdict = assess(facts_for(session, patient, now), access.audience)
    plan = targets_for(session, patient.id)
    data = ReportData(
        name=patient.display_name,
        timezone=patient.timezone,
        first=first,
        last=last,
        made_at=now,
        audience=access.audience,
        summary=summaries(session, [patient], {patient.id: (first, last)}, now, {patient.id: plan})[patient.id],
        plan=plan,
        daily=queries.daily_intake(session, patient.id, first, last),
        habits=_habit_weeks(session, patient, first, last, now),
        results=_newest(session, DxaResult, patient, DxaResult.performed_on),
        labs=_newest(session, VitaminDLab, patient, VitaminDLab.measured_on),
        treatments=_newest(session, Treatment, patient, Treatment.started_on),
        flags=verdict.flags,
        next_dxa_due=verdict.next_dxa_due,
    )
    session.commit()
    return data


def report(session, caller, pid, query: dict, now: datetime) -> bytes:
    """The report as a one-page A4 PDF."""
    return render(gather(session, caller, pid, query, now))


def _habit_weeks(session, patient, first: date, last: date, now: datetime) -> dict:
    """Her drinks and cigarettes a week, summed in SQL (the adherence summary's own query)."""
    group = queries.Group((patient.id,), first, last, local_today(patient.timezone, now))
    return queries.habit_weeks(session, [group], queries.row_keys([group]))[0].get(patient.id, {})


def _newest(session, model, patient, day) -> list:
    """The patient's records of a kind, newest first (the page shows the first few and counts the rest)."""
    statement = select(model).where(model.patient_id == patient.id).order_by(day.desc(), model.created_at.desc())
    return list(session.scalars(statement))
