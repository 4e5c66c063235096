"""The use cases the patient's logs (intake, exercise) share: create once, list, get, edit, delete with a
tombstone. Each use case is one transaction, committed at its end (with a clinician's access-log row); each
change takes the patient's next version (accounts.sync)."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bonecare.accounts.access import open_record
from bonecare.accounts.sync import check_version, stamp, unstamp
from bonecare.database import adopt, assign, fingerprint, insert_once, owned, stored_twin
from bonecare.errors import ClockSkew
from bonecare.localtime import stated_local_date
from bonecare.logbook import daily
from bonecare.web.paging import paginate

# How far ahead of the server's clock a logged instant may be (phones' clocks drift).
FUTURE_TOLERANCE = timedelta(minutes=5)


def filtered(stmt, model, query: dict):
    """Narrow a statement to the query's local-date range, and to live entries unless tombstones are asked for
    (a model without tombstones has only live entries)."""
    if hasattr(model, "deleted_at") and not query.get("include_deleted"):
        stmt = stmt.where(model.deleted_at.is_(None))
    if query.get("from_"):
        stmt = stmt.where(model.local_date >= query["from_"])
    if query.get("to"):
        stmt = stmt.where(model.local_date <= query["to"])
    return stmt


def page(session, model, patient, query: dict, order_column) -> dict:
    """The patient's records, latest first by order_column, within the local-date range, tombstones only when
    asked."""
    stmt = filtered(select(model).where(model.patient_id == patient.id), model, query)
    rows, cursor = paginate(
        session, stmt, [order_column, model.id], query["limit"], query.get("cursor"), descending=True
    )
    return {"items": rows, "next_cursor": cursor}


def _store(session, entry, repeats, now: datetime) -> tuple[object, bool]:
    """Stamp a new entry with the patient's next version, insert it once and count it in its day (the caller
    commits): (entry, True), or (its stored twin, False) for a retry. One statement on PostgreSQL (daily.logged)."""
    if session.get_bind().dialect.name == "postgresql":
        entry.updated_at = now
        row = daily.logged(session, entry)
        if row is not None:
            return adopt(session, entry, row), True
        unstamp(session, entry.patient_id)
        return stored_twin(session, entry, repeats), False
    stamp(session, entry.patient_id, entry, now)  # before the insert, which then writes the version with the row
    entry, created = insert_once(session, entry, repeats)
    if created:
        daily.added(session, entry)
    else:
        unstamp(session, entry.patient_id)
    return entry, created


@dataclass(frozen=True)
class LogBook:
    """The use cases of one kind of log (intake, exercise), behind the one access policy."""

    model: type
    resource: str
    instant_field: str
    check: Callable | None = None  # an entry as edited must still pass this (raises Invalid)

    def log(self, session, caller, pid, data: dict, now: datetime):
        """Store an entry, or recognise a retry (same id, same body): returns (entry, created); another body: 409."""
        # No lock first: a create checks nothing against her record, and stamp() takes the lock as its first write.
        access = open_record(session, caller, pid, resource=self.resource, action="create", now=now, lock=False)
        patient = access.patient
        instant = data[self.instant_field]
        self._check_instant(instant, now)
        # The offset stays out of the digest: the same instant spelled at another offset is still a retry (and
        # entries stored before the offset was kept still recognise theirs).
        digest = fingerprint({key: value for key, value in data.items() if key != "utc_offset_min"})
        entry = self.model(
            id=data.pop("id", None) or uuid.uuid4(),
            patient_id=patient.id,
            local_date=stated_local_date(instant, data["utc_offset_min"], patient.timezone),
            created_at=now,
            fingerprint=digest,
            **data,
        )
        entry, created = _store(
            session, entry, lambda row: row.patient_id == patient.id and row.fingerprint == digest, now
        )
        session.commit()
        return entry, created

    def _check_instant(self, instant: datetime, now: datetime) -> None:
        if instant > now + FUTURE_TOLERANCE:
            raise ClockSkew("The instant is in the future: check the device's clock.", self.instant_field, now)

    def edit(self, session, caller, pid, entry_id, changes: dict, expected: int | None, now: datetime):
        """Change a live entry's fields (If-Match: at the version expected); a new instant moves its local date
        to the one at its stated offset."""
        access = open_record(
            session, caller, pid, resource=self.resource, action="update", resource_id=entry_id, now=now
        )
        patient = access.patient
        entry = owned(session, self.model, patient, entry_id)
        check_version(entry, expected)
        if self.instant_field in changes:
            self._check_instant(changes[self.instant_field], now)
        left = entry.local_date  # an edit of the instant may move the entry to another day
        if assign(entry, changes):  # a retry that changes nothing takes no version
            if self.instant_field in changes:
                instant = getattr(entry, self.instant_field)
                entry.local_date = stated_local_date(instant, entry.utc_offset_min, patient.timezone)
            if self.check:
                self.check(entry)
            stamp(session, patient.id, entry, now)
            daily.refresh(session, patient.id, {left, entry.local_date})
        session.commit()
        return entry

    def list_(self, session, caller, pid, query: dict, now: datetime) -> dict:
        """A page of entries, newest first."""
        patient = open_record(session, caller, pid, resource=self.resource, now=now).patient
        entries = page(session, self.model, patient, query, getattr(self.model, self.instant_field))
        session.commit()
        return entries

    def get(self, session, caller, pid, entry_id, now: datetime):
        """One live entry."""
        patient = open_record(session, caller, pid, resource=self.resource, resource_id=entry_id, now=now).patient
        entry = owned(session, self.model, patient, entry_id)
        session.commit()
        return entry

    def delete(self, session, caller, pid, entry_id, expected: int | None, now: datetime) -> None:
        """Leave a tombstone, so a phone can sync the deletion; deleting twice is harmless."""
        access = open_record(
            session, caller, pid, resource=self.resource, action="delete", resource_id=entry_id, now=now
        )
        entry = owned(session, self.model, access.patient, entry_id, live=False)
        if entry.deleted_at is None:
            check_version(entry, expected)
            entry.deleted_at = now
            stamp(session, access.patient.id, entry, now)
            daily.refresh(session, access.patient.id, {entry.local_date})
        session.commit()
