"""What the patient's logs share: client ids and idempotent create, local dates, tombstones."""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import ForeignKey, Index, String, Uuid, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from bonecare.accounts.access import open_record
from bonecare.dbtypes import UTCDateTime, new_id
from bonecare.errors import Conflict, Invalid, NotFound
from bonecare.pagination import paginate

# How far ahead of the server's clock a logged instant may be (phones' clocks drift).
FUTURE_TOLERANCE = timedelta(minutes=5)


class LogEntry:
    """Columns every log entry has: a client-made id, the owner, the local day, a tombstone."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    local_date: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A digest of the body as first stored, so a retry can be told from a different record.
    fingerprint: Mapped[str] = mapped_column(String(64))

    @declared_attr
    def patient_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    @declared_attr.directive
    def __table_args__(cls):
        return (Index(f"ix_{cls.__tablename__}_patient_day", "patient_id", "local_date"),)


@cache
def _zone(name: str) -> ZoneInfo:
    # ZoneInfo keeps only a few zones strongly cached; a panel cycling through more reloads them each time.
    return ZoneInfo(name)


def local_date_of(instant: datetime, timezone: str) -> date:
    """The patient-local calendar day an instant falls on."""
    return instant.astimezone(_zone(timezone)).date()


def local_today(timezone: str, now: datetime) -> date:
    """The patient's local date right now."""
    return local_date_of(now, timezone)


def fingerprint(data: dict) -> str:
    """A stable digest of a request body (without its id)."""
    def canonical(value):
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        return value.isoformat() if isinstance(value, date) else value

    plain = {k: canonical(v) for k, v in data.items() if k != "id"}
    return hashlib.sha256(json.dumps(plain, sort_keys=True, default=str).encode()).hexdigest()


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


def insert_once(session, record, repeats) -> tuple[object, bool]:
    """Commit a record whose id a client may have made: returns (record, True); when that id is stored
    already, (the stored one, False) if `repeats(stored)` says this request is a retry of it, else a 409."""
    session.add(record)
    try:
        session.commit()
        return record, True
    except IntegrityError:
        session.rollback()
    stored = session.get(type(record), record.id)
    if stored is None or not repeats(stored):
        raise Conflict("This id is already used by a different record.")
    return stored, False


def get(session, model, patient, entry_id) -> object:
    """One live entry of the patient's, else 404."""
    entry = session.get(model, entry_id)
    if entry is None or entry.patient_id != patient.id or entry.deleted_at is not None:
        raise NotFound("No such entry.")
    return entry


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
        return get(session, self.model, access.patient, entry_id)

    def delete(self, session, caller, pid, entry_id, now):
        """Delete an entry, leaving a tombstone."""
        access = open_record(
            session, caller, pid, resource=self.resource, action="delete", resource_id=entry_id, now=now
        )
        delete(session, self.model, access.patient, entry_id, now)
