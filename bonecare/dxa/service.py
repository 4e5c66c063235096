"""DXA and lab use cases: clinicians write, the patient and her clinicians read; the 12-month rule."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from bonecare.accounts.access import open_record
from bonecare.database import holds, insert_once, owned
from bonecare.dxa.models import DxaAppointment, DxaResult, VitaminDLab
from bonecare.errors import Invalid
from bonecare.guidance import targets as t
from bonecare.guidance.facts import DxaFacts
from bonecare.guidance.monitoring import earliest_repeat_dxa
from bonecare.localtime import local_today
from bonecare.logbook.service import page


@dataclass(frozen=True)
class Records:
    """One clinical collection of a patient's record, ordered by a date: list and idempotent create."""

    model: type
    resource: str
    date_field: str
    # whether the date must be on or before the patient's today (a result), else on or after it (a booking)
    past: bool

    def list_(self, session, caller, pid, query: dict, now: datetime) -> dict:
        """A page of records, latest date first."""
        patient = open_record(session, caller, pid, resource=self.resource, now=now).patient
        records = page(session, self.model, patient, query, getattr(self.model, self.date_field))
        session.commit()
        return records

    def check_date(self, patient, day: date, now: datetime) -> None:
        """A result cannot be dated after the patient's today, nor a booking before it."""
        today = local_today(patient.timezone, now)
        if self.past and day > today:
            raise Invalid(f"The date is after the patient's today ({today}).", self.date_field)
        if not self.past and day < today:
            raise Invalid(f"The date is before the patient's today ({today}).", self.date_field)

    def create(self, session, caller, pid, data: dict, now: datetime, check=None):
        """Store a record (a clinician's), or recognise a retry of the same id: returns (record, created)."""
        access = open_record(session, caller, pid, resource=self.resource, action="create", now=now)
        patient = access.patient
        self.check_date(patient, data[self.date_field], now)
        if check:
            check(session, patient, data)
        record = self.model(
            id=data.pop("id", None) or uuid.uuid4(), patient_id=patient.id, created_at=now, created_by=caller.id, **data
        )
        if hasattr(self.model, "updated_at"):
            record.updated_at = now
        record, created = insert_once(session, record, lambda stored: _repeats(stored, patient, data))
        session.commit()
        return record, created


def _repeats(stored, patient, data: dict) -> bool:
    """Whether a create with this body repeats the stored record."""
    return stored.patient_id == patient.id and holds(stored, data)


appointments = Records(DxaAppointment, "dxa_appointments", "scheduled_for", past=False)
results = Records(DxaResult, "dxa_results", "performed_on", past=True)
labs = Records(VitaminDLab, "labs", "measured_on", past=True)


def _check_interval(session, patient, data: dict) -> None:
    """A scan less than 12 months after the latest DXA result needs a stated reason."""
    if data.get("override_reason"):
        return
    latest = session.scalar(
        select(DxaResult.performed_on)
        .where(DxaResult.patient_id == patient.id)
        .order_by(DxaResult.performed_on.desc())
        .limit(1)
    )
    earliest = earliest_repeat_dxa([DxaFacts(latest)]) if latest else None
    if earliest and data["scheduled_for"] < earliest:
        raise Invalid(
            f"The last DXA was on {latest}; a repeat scan less than {t.DXA_MIN_INTERVAL_MONTHS} months later "
            f"(before {earliest}) needs an override_reason saying why.",
            "scheduled_for",
        )


def book(session, caller, pid, data: dict, now: datetime):
    """Book a DXA appointment (a clinician), minding the 12-month rule: returns (appointment, created)."""
    return appointments.create(session, caller, pid, data, now, check=_check_interval)


def get_appointment(session, caller, pid, appointment_id, now: datetime) -> DxaAppointment:
    """One live appointment."""
    access = open_record(session, caller, pid, resource="dxa_appointments", resource_id=appointment_id, now=now)
    appointment = owned(session, DxaAppointment, access.patient, appointment_id, what="appointment")
    session.commit()
    return appointment


def change(session, caller, pid, appointment_id, changes: dict, now: datetime) -> DxaAppointment:
    """Move or annotate an appointment (a clinician); a new date minds the 12-month rule again."""
    access = open_record(
        session,
        caller,
        pid,
        resource="dxa_appointments",
        action="update",
        resource_id=appointment_id,
        now=now,
    )
    appt = owned(session, DxaAppointment, access.patient, appointment_id, what="appointment")
    merged = {f: changes.get(f, getattr(appt, f)) for f in ("scheduled_for", "location", "note", "override_reason")}
    if "scheduled_for" in changes or "override_reason" in changes:
        if "scheduled_for" in changes:
            appointments.check_date(access.patient, merged["scheduled_for"], now)
        _check_interval(session, access.patient, merged)
    for field, value in merged.items():
        setattr(appt, field, value)
    appt.updated_at = now
    session.commit()
    return appt


def cancel(session, caller, pid, appointment_id, now: datetime) -> None:
    """Cancel an appointment (a clinician), keeping a tombstone so its reminders are withdrawn."""
    access = open_record(
        session,
        caller,
        pid,
        resource="dxa_appointments",
        action="delete",
        resource_id=appointment_id,
        now=now,
    )
    appt = owned(session, DxaAppointment, access.patient, appointment_id, live=False, what="appointment")
    if appt.deleted_at is None:
        appt.deleted_at = appt.updated_at = now
    session.commit()
