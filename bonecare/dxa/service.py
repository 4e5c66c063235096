"""DXA and lab use cases: clinicians write, the patient and her clinicians read; the 12-month rule. Each change
takes the patient's next version (accounts.sync), whoever makes it."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from bonecare.accounts.access import open_record
from bonecare.accounts.sync import check_version, stamp
from bonecare.database import assign, holds, insert_once, owned
from bonecare.dxa.models import DxaAppointment, DxaResult, VitaminDLab
from bonecare.errors import Invalid
from bonecare.guidance import targets as t
from bonecare.guidance.facts import DxaFacts
from bonecare.guidance.monitoring import earliest_repeat_dxa
from bonecare.localtime import local_today
from bonecare.logbook.service import page


@dataclass(frozen=True)
class Records:
    """One clinical collection of a patient's record, ordered by a date: list, idempotent create, get, edit and
    delete with a tombstone (If-Match on both)."""

    model: type
    resource: str
    date_field: str
    # whether the date must be on or before the patient's today (a result), else on or after it (a booking)
    past: bool
    noun: str = "record"

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
        record_id = data.pop("id", None) or uuid.uuid4()
        record = self.model(
            id=record_id, patient_id=patient.id, created_at=now, updated_at=now, created_by=caller.id, **data
        )
        record, created = insert_once(session, record, lambda stored: _repeats(stored, patient, data))
        if created:
            stamp(session, patient.id, record, now)
        session.commit()
        return record, created

    def _open(self, session, caller, pid, record_id, action: str, now: datetime, live: bool = True):
        """The patient's record of this id, opened for an action (a clinician's access logged): (patient, record)."""
        access = open_record(
            session, caller, pid, resource=self.resource, action=action, resource_id=record_id, now=now
        )
        return access.patient, owned(session, self.model, access.patient, record_id, live=live, what=self.noun)

    def get(self, session, caller, pid, record_id, now: datetime):
        """One live record."""
        record = self._open(session, caller, pid, record_id, "read", now)[1]
        session.commit()
        return record

    def edit(self, session, caller, pid, record_id, merge, expected: int | None, now: datetime):
        """Change a live record (If-Match: at the version expected) to the fields `merge(patient, record)` gives
        (it checks them); a change that stores nothing takes no version."""
        patient, record = self._open(session, caller, pid, record_id, "update", now)
        check_version(record, expected)
        if assign(record, merge(patient, record)):
            stamp(session, patient.id, record, now)
        session.commit()
        return record

    def delete(self, session, caller, pid, record_id, expected: int | None, now: datetime) -> None:
        """Leave a tombstone (If-Match: at the version expected); deleting again is harmless."""
        patient, record = self._open(session, caller, pid, record_id, "delete", now, live=False)
        if record.deleted_at is None:
            check_version(record, expected)
            record.deleted_at = now
            stamp(session, patient.id, record, now)
        session.commit()


def _repeats(stored, patient, data: dict) -> bool:
    """Whether a create with this body repeats the stored record."""
    return stored.patient_id == patient.id and holds(stored, data)


appointments = Records(DxaAppointment, "dxa_appointments", "scheduled_for", past=False, noun="appointment")
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


def change(session, caller, pid, appointment_id, changes: dict, expected: int | None, now: datetime):
    """Move or annotate an appointment (a clinician); a new date minds the 12-month rule again."""

    def merge(patient, appt: DxaAppointment) -> dict:
        fields = ("scheduled_for", "location", "note", "override_reason")
        merged = {f: changes.get(f, getattr(appt, f)) for f in fields}
        if "scheduled_for" in changes or "override_reason" in changes:
            if "scheduled_for" in changes:
                appointments.check_date(patient, merged["scheduled_for"], now)
            _check_interval(session, patient, merged)
        return merged

    return appointments.edit(session, caller, pid, appointment_id, merge, expected, now)
