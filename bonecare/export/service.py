"""The export's use cases: every record of the patient in a constant number of queries (one per kind), read by
the patient or her clinician (an access-log entry of resource `export`). The record kinds are the changes
feed's (changes.service.KINDS), so that the export and the feed cannot drift apart."""

from datetime import datetime

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, select

from bonecare.accounts.access import POLICY, open_record
from bonecare.accounts.models import CareTeamMember
from bonecare.adherence.queries import daily_intake
from bonecare.audit.models import AccessLogEntry
from bonecare.audit.reader import with_actors
from bonecare.careplan.service import targets_for
from bonecare.changes.schemas import SCHEMAS
from bonecare.changes.service import KINDS
from bonecare.dxa.models import DxaAppointment, DxaResult, VitaminDLab
from bonecare.exercise.models import Exercise
from bonecare.export import fhir
from bonecare.habits.models import HabitDay
from bonecare.reminders.models import Occurrence
from bonecare.treatments.models import Treatment

FORMAT, FORMAT_VERSION = "bonecare-export", 1
# Each feed type's section of the document: the access policy's name for it (and the access log's).
SECTIONS = {
    "profile": "profile",
    "intake": "intake",
    "exercise": "exercise",
    "habits": "habits",
    "reminder": "reminders",
    "device": "devices",
    "care_plan": "care_plan",
    "dxa_appointment": "dxa_appointments",
    "dxa_result": "dxa_results",
    "lab": "labs",
    "treatment": "treatments",
}
assert SECTIONS.keys() == KINDS.keys()
SINGLE = ("profile", "care_plan")  # one record each, not a list
# The types whose GET shows a tombstone (deleted_at): what is held of a deleted entry is exported with it.
WITH_TOMBSTONES = {name for name, schema in SCHEMAS.items() if "deleted_at" in schema().fields}


def _records(session, patient, name: str, now: datetime) -> list:
    """The patient's records of one feed type as its GET shows them; tombstones too where that shows deleted_at
    (what is held of a deleted entry), else only live ones (a deleted device has given its token up)."""
    kind = KINDS[name]
    model = kind.model
    stmt = select(model).where(kind.patient_column() == patient.id).order_by(model.version)
    if hasattr(model, "deleted_at") and name not in WITH_TOMBSTONES:
        stmt = stmt.where(model.deleted_at.is_(None))
    return [kind.view(session, patient, record, now) for record in session.scalars(stmt)]


def _readable(caller, resource: str) -> bool:
    return caller.role in POLICY[resource].readers


def document(session, caller, pid, now: datetime) -> dict:
    """Everything held about the patient, each part as its own GET gives it; the parts the caller's role may not
    read (a clinician: the care team and the access log) are left out."""
    access = open_record(session, caller, pid, resource="export", now=now)
    patient = access.patient
    out = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": now,
        "patient_id": patient.id,
        "profile": patient,
        "care_plan": targets_for(session, patient.id),
    }
    for name, section in SECTIONS.items():
        if section not in SINGLE:
            out[section] = _records(session, patient, name, now)
    out["notifications"] = session.scalars(
        select(Occurrence).where(Occurrence.patient_id == patient.id).order_by(Occurrence.due_at, Occurrence.id)
    ).all()
    if _readable(caller, "care_team"):
        out["care_team"] = session.scalars(
            select(CareTeamMember).where(CareTeamMember.patient_id == patient.id).order_by(CareTeamMember.added_at)
        ).all()
    if _readable(caller, "access_log"):
        rows = session.scalars(
            select(AccessLogEntry)
            .where(AccessLogEntry.patient_id == patient.id)
            .order_by(AccessLogEntry.at, AccessLogEntry.id)
        ).all()
        out["access_log"] = with_actors(session, rows)
    session.commit()  # a clinician's read is logged
    return out


def _live(model):
    return model.deleted_at.is_(None)


def _all(session, model, patient, order, *where) -> list:
    """The patient's rows of a model, in order."""
    return session.scalars(select(model).where(model.patient_id == patient.id, *where).order_by(order, model.id)).all()


def fhir_bundle(session, caller, pid, now: datetime) -> Bundle:
    """The patient's record as a FHIR R4 collection bundle (the patient, or her clinician: logged)."""
    return fhir.bundle(_clinical(session, caller, pid, now))


def _clinical(session, caller, pid, now: datetime) -> dict:
    """What the FHIR bundle is made of: the profile, the care plan, daily totals of the logs (summed in SQL) and
    the clinical records, live ones (and cancelled appointments)."""
    patient = open_record(session, caller, pid, resource="export", now=now).patient
    exercise = session.execute(
        select(Exercise.local_date, Exercise.kind, func.sum(Exercise.duration_min))
        .where(Exercise.patient_id == patient.id, _live(Exercise))
        .group_by(Exercise.local_date, Exercise.kind)
        .order_by(Exercise.local_date, Exercise.kind)
    ).all()
    out = {
        "exported_at": now,
        "patient": patient,
        "care_plan": targets_for(session, patient.id),
        "intake": daily_intake(session, patient.id),
        "exercise": exercise,
        "habits": _all(session, HabitDay, patient, HabitDay.local_date, _live(HabitDay)),
        "dxa_results": _all(session, DxaResult, patient, DxaResult.performed_on),
        "labs": _all(session, VitaminDLab, patient, VitaminDLab.measured_on),
        "dxa_appointments": _all(session, DxaAppointment, patient, DxaAppointment.scheduled_for),
        "treatments": _all(session, Treatment, patient, Treatment.started_on),
    }
    session.commit()  # a clinician's read is logged
    return out
