"""The database layer every record shares: the declarative base with stable constraint names, column types
(UTC instants, new ids), the columns of a client-made record, a row lock, the idempotent insert, and "owned or
404"."""

import hashlib
import json
import uuid
from datetime import UTC, date, datetime
from functools import cache

from sqlalchemy import DateTime, ForeignKey, Index, Integer, MetaData, String, Uuid, bindparam, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, make_transient_to_detached, mapped_column
from sqlalchemy.types import TypeDecorator

from bonecare.errors import Conflict, Deleted, NotFound

_INSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}

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

    @property
    def python_type(self):
        """datetime, as the impl's (a TypeDecorator does not pass it on): paging reads cursors back by it."""
        return datetime

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


class Versioned:
    """The version of a record a phone syncs: the patient's change counter when it last changed (sync.stamp)."""

    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


def version_of(record) -> int:
    """A record's version, whether a row or the dict a service shows it as."""
    return record["version"] if isinstance(record, dict) else record.version


def holds(record, values: dict) -> bool:
    """Whether a stored record (if any) already holds these values: a write of them would store nothing."""
    return record is not None and all(getattr(record, field) == value for field, value in values.items())


def assign(record, values: dict) -> bool:
    """Set a record's fields to these values; whether any of them changed (a retry that changes none stores
    nothing, and takes no version)."""
    changed = {field: value for field, value in values.items() if getattr(record, field) != value}
    for field, value in changed.items():
        setattr(record, field, value)
    return bool(changed)


def version_index(table: str) -> Index:
    """The index the changes feed reads a patient's records of one table by."""
    return Index(f"ix_{table}_patient_version", "patient_id", "version")


class LogEntry(Versioned):
    """Columns every log entry has: a client-made id, the owner, the local day, a tombstone."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    local_date: Mapped[date]
    # The UTC offset (minutes) the phone sent the instant with; None when it sent UTC ("Z") and so stated none.
    utc_offset_min: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A digest of the body as first stored, so a retry can be told from a different record.
    fingerprint: Mapped[str] = mapped_column(String(64))

    @declared_attr
    def patient_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    @declared_attr.directive
    def __table_args__(cls):
        table = cls.__tablename__
        return (Index(f"ix_{table}_patient_day", "patient_id", "local_date"), version_index(table))


def fingerprint(data: dict) -> str:
    """A stable digest of a request body (without its id)."""

    def canonical(value):
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        return value.isoformat() if isinstance(value, date) else value

    plain = {k: canonical(v) for k, v in data.items() if k != "id"}
    return hashlib.sha256(json.dumps(plain, sort_keys=True, default=str).encode()).hexdigest()


def locked(session, model, key_column, value):
    """The row of this key, read fresh and locked until the transaction ends, so that writes which check before
    they write take turns (None if there is none). SQLite has no row locks: a no-op UPDATE takes its one write lock
    instead (and the read after it sees what the last writer committed)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(_noop_update(key_column.table, key_column.key), {"key": value})
        stmt = _select_by(model, key_column.key)
    else:
        stmt = _select_by(model, key_column.key).with_for_update()
    return session.scalars(stmt, {"key": value}).one_or_none()


@cache
def _noop_update(table, key: str):
    # Built once a table and key, as the statements below: a write's lock is taken on every write.
    column = table.c[key]
    return update(table).where(column == bindparam("key", type_=column.type)).values({column: column})


@cache
def _select_by(model, key: str):
    column = getattr(model, key)
    return select(model).where(column == bindparam("key")).execution_options(populate_existing=True)


def insert_for(session):
    """The dialect's INSERT construct, which knows ON CONFLICT (PostgreSQL and SQLite both speak it)."""
    return _INSERTS[session.get_bind().dialect.name]


@cache
def _columns(model) -> dict:
    """attribute -> column name, of a model's columns."""
    return {attr.key: attr.columns[0].name for attr in inspect(model).column_attrs}


@cache
def _insert_once(dialect: str, model):
    # Built once a model (its values come as parameters): a Core INSERT returning the stored row, which adopt() makes
    # the record's loaded state (the ORM's own INSERT of parameters takes its bulk path, and loading the returned row
    # through an ORM statement costs as much again as the statement).
    table = model.__table__
    return _INSERTS[dialect](table).on_conflict_do_nothing(index_elements=["id"]).returning(*table.c)


def insert_once(session, record, repeats) -> tuple[object, bool]:
    """Add a record whose id a client may have made to the use case's transaction (the caller commits): returns
    (record, True) when the id is new; when it is stored already, (the stored one, False) if `repeats(stored)` says
    this request is a retry of it, else a 409. INSERT … ON CONFLICT DO NOTHING: a duplicate neither aborts the
    transaction (the access-log row rides along) nor races (a concurrent twin waits for the first, then finds it)."""
    statement = _insert_once(session.get_bind().dialect.name, type(record))
    inserted = session.execute(statement, values_of(record)).first()
    if inserted is not None:
        return adopt(session, record, inserted), True
    return stored_twin(session, record, repeats), False


def values_of(record) -> dict:
    """column name -> value, of the columns a new record has been given."""
    columns = _columns(type(record))
    return {columns[key]: value for key, value in vars(record).items() if key in columns}


def adopt(session, record, row):
    """A new record whose INSERT returned its stored row: that row becomes its loaded state (defaults too), and the
    record joins the session as if read, clean."""
    for key, name in _columns(type(record)).items():
        setattr(record, key, row._mapping[name])
    make_transient_to_detached(record)
    session.add(record)
    return record


def stored_twin(session, record, repeats):
    """The stored record whose id a new one's INSERT found taken, if `repeats(stored)` says the new one is a retry
    of it (a deleted one stays deleted: a 409 saying so); else a 409."""
    stored = session.get(type(record), record.id)
    if stored is not None and getattr(stored, "deleted_at", None) is not None and repeats(stored):
        raise Deleted("A record with this id was deleted; it stays deleted (make a new id for a new record).")
    if stored is None or not repeats(stored):
        raise Conflict("This id is already used by a different record.")
    return stored


def owned(session, model, patient, record_id, *, live: bool = True, what: str = "entry"):
    """The patient's record of this id (a live one unless live=False: tombstones too), else a 404."""
    record = session.get(model, record_id)
    gone = live and getattr(record, "deleted_at", None) is not None
    if record is None or record.patient_id != patient.id or gone:
        raise NotFound(f"No such {what}.")
    return record
