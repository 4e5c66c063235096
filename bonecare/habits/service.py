"""Habit use cases: one record per local day, replaced by PUT."""

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bonecare.accounts.access import open_record
from bonecare.errors import Invalid, NotFound
from bonecare.habits.models import HabitDay
from bonecare.localtime import local_today
from bonecare.logbook import filtered
from bonecare.web.paging import paginate

_RESOURCE = "habits"


def put(session, caller, pid, day: date, data: dict, now: datetime) -> tuple[HabitDay, bool]:
    """Replace the day's record (creating it if new): returns (record, created)."""
    access = open_record(session, caller, pid, resource=_RESOURCE, action="update", resource_id=day, now=now)
    patient = access.patient
    if day > local_today(patient.timezone, now):
        raise Invalid("The day is in the future.", "date")
    try:
        return _replace(session, patient, day, data, now)
    except IntegrityError:
        session.rollback()  # a concurrent PUT created the day first: replace what it stored
        return _replace(session, patient, day, data, now)


def _day(session, patient, day: date) -> HabitDay | None:
    return session.scalar(select(HabitDay).where(HabitDay.patient_id == patient.id, HabitDay.local_date == day))


def _replace(session, patient, day: date, data: dict, now: datetime) -> tuple[HabitDay, bool]:
    record = _day(session, patient, day)
    created = record is None or record.deleted_at is not None
    if record is None:
        record = HabitDay(patient_id=patient.id, local_date=day)
        session.add(record)
    record.cigarettes, record.alcohol_drinks = data["cigarettes"], data["alcohol_drinks"]
    record.updated_at, record.deleted_at = now, None
    session.commit()
    return record, created


def _live_day(session, patient, day: date) -> HabitDay:
    record = _day(session, patient, day)
    if record is None or record.deleted_at is not None:
        raise NotFound("No habits recorded for that day.")
    return record


def get(session, caller, pid, day: date, now: datetime) -> HabitDay:
    """The day's record."""
    access = open_record(session, caller, pid, resource=_RESOURCE, resource_id=day, now=now)
    return _live_day(session, access.patient, day)


def list_(session, caller, pid, query: dict, now: datetime) -> dict:
    """A page of days, newest first."""
    access = open_record(session, caller, pid, resource=_RESOURCE, now=now)
    stmt = filtered(select(HabitDay).where(HabitDay.patient_id == access.patient.id), HabitDay, query)
    rows, cursor = paginate(
        session,
        stmt,
        [HabitDay.local_date],
        [date.fromisoformat],
        query["limit"],
        query.get("cursor"),
        descending=True,
    )
    return {"items": rows, "next_cursor": cursor}


def delete(session, caller, pid, day: date, now: datetime) -> None:
    """Delete the day's record, leaving a tombstone for sync."""
    access = open_record(session, caller, pid, resource=_RESOURCE, action="delete", resource_id=day, now=now)
    record = _live_day(session, access.patient, day)
    record.deleted_at = now
    record.updated_at = now
    session.commit()
