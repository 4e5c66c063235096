"""The database layer every record shares: the declarative base with stable constraint names, column types
(UTC instants, new ids), the columns of a client-made record, the idempotent insert, and "owned or 404"."""

import hashlib
import json
import uuid
from datetime import UTC, date, datetime

from sqlalchemy import DateTime, ForeignKey, Index, MetaData, String, Uuid
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

from bonecare.errors import Conflict, NotFound

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names for Alembic."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timezone-aware instant, stored in UTC on every database (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: instants must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_id() -> uuid.UUID:
    """A fresh random id."""
    return uuid.uuid4()


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


def fingerprint(data: dict) -> str:
    """A stable digest of a request body (without its id)."""

    def canonical(value):
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        return value.isoformat() if isinstance(value, date) else value

    plain = {k: canonical(v) for k, v in data.items() if k != "id"}
    return hashlib.sha256(json.dumps(plain, sort_keys=True, default=str).encode()).hexdigest()


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


def owned(session, model, patient, entry_id) -> object:
    """One live entry of the patient's, else 404."""
    entry = session.get(model, entry_id)
    if entry is None or entry.patient_id != patient.id or entry.deleted_at is not None:
        raise NotFound("No such entry.")
    return entry
