"""The use cases the patient's logs (intake, exercise) share: create once, list, get, delete with a tombstone."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bonecare.accounts.access import open_record
from bonecare.database import fingerprint, insert_once, owned
from bonecare.errors import Invalid, NotFound
from bonecare.localtime import local_date_of
from bonecare.web.paging import paginate

# How far ahead of the server's clock a logged instant may be (phones' clocks drift).
FUTURE_TOLERANCE = timedelta(minutes=5)


def create(session, model, patient, data: dict, *, instant_field: str, now: datetime):
    """Store a new entry, or recognise a retry: returns (entry, created). Same id, other body: 409."""
    instant = data[instant_field]
    if instant > now + FUTURE_TOLERANCE:
        raise Invalid("The instant is in the future.", instant_field)
    digest = fingerprint(data)
    entry_id = data.pop("id", None) or uuid.uuid4()
    entry = model(
        id=entry_id,
        patient_id=patient.id,
        local_date=local_date_of(instant, patient.timezone),
        created_at=now,
        fingerprint=digest,
        **data,
    )
    # Insert first: a new id (the common case) costs no lookup; a retry meets the primary key.
    return insert_once(session, entry, lambda stored: stored.patient_id == patient.id and stored.fingerprint == digest)


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


def page(session, model, patient, query: dict, instant_column, *, parser=datetime.fromisoformat):
    """Entries newest first, within the local-date range, tombstones only when asked; `parser` reads the
    ordering column's value back from a cursor."""
    stmt = filtered(select(model).where(model.patient_id == patient.id), model, query)
    rows, cursor = paginate(
        session,
        stmt,
        [instant_column, model.id],
        [parser, uuid.UUID],
        query["limit"],
        query.get("cursor"),
        descending=True,
    )
    return {"items": rows, "next_cursor": cursor}


def delete(session, model, patient, entry_id, now: datetime) -> None:
    """Leave a tombstone, so a phone can sync the deletion; deleting twice is harmless."""
    entry = session.get(model, entry_id)
    if entry is None or entry.patient_id != patient.id:
        raise NotFound("No such entry.")
    if entry.deleted_at is None:
        entry.deleted_at = now
    session.commit()


@dataclass(frozen=True)
class LogBook:
    """The use cases of one kind of log (intake, exercise), behind the one access policy."""

    model: type
    resource: str
    instant_field: str

    def log(self, session, caller, pid, data, now):
        """Store an entry (or recognise a retry): returns (entry, created)."""
        access = open_record(session, caller, pid, resource=self.resource, action="create", now=now)
        return create(session, self.model, access.patient, data, instant_field=self.instant_field, now=now)

    def list_(self, session, caller, pid, query, now):
        """A page of entries, newest first."""
        access = open_record(session, caller, pid, resource=self.resource, now=now)
        return page(session, self.model, access.patient, query, getattr(self.model, self.instant_field))

    def get(self, session, caller, pid, entry_id, now):
        """One entry."""
        access = open_record(session, caller, pid, resource=self.resource, resource_id=entry_id, now=now)
        return owned(session, self.model, access.patient, entry_id)

    def delete(self, session, caller, pid, entry_id, now):
        """Delete an entry, leaving a tombstone."""
        access = open_record(
            session, caller, pid, resource=self.resource, action="delete", resource_id=entry_id, now=now
        )
        delete(session, self.model, access.patient, entry_id, now)
