"""A patient's change counter: every change to one of her records takes its next value as the record's version,
under her row's lock, so versions commit in the order they were given and a changes feed read by version never
skips one that commits late."""

from datetime import datetime

from sqlalchemy import Uuid, bindparam, update

from bonecare.accounts.models import User
from bonecare.database import version_of
from bonecare.errors import PreconditionFailed


def _step(by: int):
    users = User.__table__  # a Core UPDATE: the ORM's bulk-update path costs more than the statement
    return (
        update(users)
        .where(users.c.id == bindparam("patient_id", type_=Uuid))
        .values(sync_clock=users.c.sync_clock + by)
    )


# Built once: every change runs one, and building a statement costs more than running it. STAMP is also nested
# (as a CTE, with its patient_id parameter) by a write that takes its version in the statement that makes it.
STAMP, _UNSTAMP = _step(1).returning(User.sync_clock), _step(-1)


def stamp(session, patient_id, record, now: datetime) -> int:
    """Give a changed record (or tombstone) the patient's next version and `updated_at`; the row lock this takes
    is held until the use case commits."""
    version = session.execute(STAMP, {"patient_id": patient_id}).scalar_one()
    record.version, record.updated_at = version, now
    return version


def unstamp(session, patient_id) -> None:
    """Give back the version just taken for a create that found its record stored already (a retry): the row lock
    taken with it is still held, so no other change has taken a version since."""
    session.execute(_UNSTAMP, {"patient_id": patient_id})


def check_version(record, expected: int | None) -> None:
    """If-Match: a write that names a version must name the record's current one (else a 412 with the record); a
    record never stored (None) matches none (RFC 9110), so a PUT that would create it is a 412 with `current` null."""
    if expected is not None and (record is None or version_of(record) != expected):
        raise PreconditionFailed(record)
