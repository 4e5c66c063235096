"""Habit use cases: one record per local day, replaced by PUT; each use case commits once, at its end."""

import uuid
from datetime import date, datetime

from sqlalchemy import select

from bonecare.accounts.access import open_record
from bonecare.accounts.sync import check_version, stamp
from bonecare.database import holds, insert_for
from bonecare.errors import Invalid, NotFound
from bonecare.habits.models import HabitDay
from bonecare.localtime import latest_today
from bonecare.logbook import daily
from bonecare.logbook.service import page

_RESOURCE = "habits"


def _day(session, patient, day: date) -> HabitDay | None:
    return session.scalar(select(HabitDay).where(HabitDay.patient_id == patient.id, HabitDay.local_date == day))


def _live_day(session, patient, day: date) -> HabitDay:
    record = _day(session, patient, day)
    if record is None or record.deleted_at is not None:
        raise NotFound("No habits recorded for that day.")
    return record


def put(session, caller, pid, day: date, data: dict, expected: int | None, now: datetime) -> tuple[HabitDay, bool]:
    """Replace the day's record (creating it if new, or reviving its tombstone; If-Match: at the version
    expected): returns (record, created)."""
    patient = open_record(session, caller, pid, resource=_RESOURCE, action="update", resource_id=day, now=now).patient
    # Judged against the latest date on Earth, not the profile zone's: a patient away from home (or her phone) may
    # already be in a day her profile's zone has not reached.
    if day > latest_today(now):
        raise Invalid("The day is in the future.", "date")
    before = _day(session, patient, day)
    check_version(before, expected)
    created = before is None or before.deleted_at is not None
    if not created and holds(before, data):
        session.commit()  # a retry stores nothing (a clinician's access-log row still does)
        return before, False
    values = {"cigarettes": data["cigarettes"], "alcohol_drinks": data["alcohol_drinks"], "updated_at": now}
    # One upsert on (patient, day): a concurrent PUT of the same day waits for the first and then replaces it.
    stmt = (
        insert_for(session)(HabitDay)
        .values(id=uuid.uuid4(), patient_id=patient.id, local_date=day, **values)
        .on_conflict_do_update(index_elements=["patient_id", "local_date"], set_={**values, "deleted_at": None})
        .returning(HabitDay)
        .execution_options(populate_existing=True)
    )
    record = session.scalars(stmt).one()
    stamp(session, patient.id, record, now)
    daily.habits_set(session, record)
    session.commit()
    return record, created


def get(session, caller, pid, day: date, now: datetime) -> HabitDay:
    """The day's record."""
    access = open_record(session, caller, pid, resource=_RESOURCE, resource_id=day, now=now)
    record = _live_day(session, access.patient, day)
    session.commit()
    return record


def list_(session, caller, pid, query: dict, now: datetime) -> dict:
    """A page of days, newest first."""
    access = open_record(session, caller, pid, resource=_RESOURCE, now=now)
    days = page(session, HabitDay, access.patient, query, HabitDay.local_date)
    session.commit()
    return days


def delete(session, caller, pid, day: date, expected: int | None, now: datetime) -> None:
    """Delete the day's record, leaving a tombstone for sync; deleting it again is harmless."""
    access = open_record(session, caller, pid, resource=_RESOURCE, action="delete", resource_id=day, now=now)
    record = _day(session, access.patient, day)
    if record is None:
        raise NotFound("No habits recorded for that day.")
    if record.deleted_at is None:
        check_version(record, expected)
        record.deleted_at = now
        stamp(session, access.patient.id, record, now)
        daily.refresh(session, access.patient.id, {day})
    session.commit()
