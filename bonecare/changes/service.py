"""The changes feed: a patient's records and tombstones in the order of their versions, paged by version. Versions
are given under the patient's row lock (accounts.sync), so one that commits late is never below a page already
read; tombstones older than BONECARE_TOMBSTONE_DAYS are pruned, and a `since` before them is a 410."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, literal, select, union_all, update

from bonecare.accounts.access import open_record
from bonecare.accounts.models import User
from bonecare.careplan.models import CarePlan
from bonecare.careplan.service import targets_for
from bonecare.dxa.models import DxaAppointment, DxaResult, VitaminDLab
from bonecare.errors import SyncExpired
from bonecare.exercise.models import Exercise
from bonecare.habits.models import HabitDay
from bonecare.intake.models import Intake
from bonecare.reminders.models import Device, Reminder
from bonecare.reminders.service import reminder_view
from bonecare.treatments.models import Treatment


@dataclass(frozen=True)
class Kind:
    """One type of record in the feed: its table, its id as the feed shows it, and its view as its GET gives it."""

    type: str
    model: type
    key: Callable = lambda record: str(record.id)
    view: Callable = lambda session, patient, record, now: record
    owner: str = "patient_id"  # the column naming the record's patient

    def patient_column(self):
        return getattr(self.model, self.owner)


KINDS = {
    kind.type: kind
    for kind in (
        Kind("profile", User, owner="id"),
        Kind("intake", Intake),
        Kind("exercise", Exercise),
        Kind("habits", HabitDay, key=lambda record: record.local_date.isoformat()),
        Kind("reminder", Reminder, view=lambda session, patient, r, now: reminder_view(r, patient.timezone, now)),
        Kind("device", Device),
        Kind(
            "care_plan",
            CarePlan,
            key=lambda record: str(record.patient_id),
            view=lambda session, patient, record, now: targets_for(session, patient.id),
        ),
        Kind("dxa_appointment", DxaAppointment),
        Kind("dxa_result", DxaResult),
        Kind("lab", VitaminDLab),
        Kind("treatment", Treatment),
    )
}


def _deleted(record) -> bool:
    return getattr(record, "deleted_at", None) is not None


def changes(session, caller, pid, query: dict, now: datetime) -> dict:
    """A page of the patient's changes after `since` (all of them without it), oldest version first."""
    patient = open_record(session, caller, pid, resource="changes", now=now).patient
    since = query.get("since")
    if since is not None and since < patient.sync_floor:
        raise SyncExpired("Deletions this old are forgotten: sync again from the start, without since.")
    after = since or 0
    versions = union_all(
        *(
            select(kind.model.version.label("version"), literal(name).label("type")).where(
                kind.patient_column() == patient.id, kind.model.version > after
            )
            for name, kind in KINDS.items()
        )
    ).subquery()
    page = session.execute(
        select(versions.c.version, versions.c.type).order_by(versions.c.version).limit(query["limit"] + 1)
    ).all()
    has_more = len(page) > query["limit"]
    page = page[: query["limit"]]
    items = []
    if page:
        last = page[-1].version
        for name in {row.type for row in page}:
            kind = KINDS[name]
            stmt = select(kind.model).where(
                kind.patient_column() == patient.id, kind.model.version > after, kind.model.version <= last
            )
            for record in session.scalars(stmt):
                gone = _deleted(record)
                items.append(
                    {
                        "type": name,
                        "id": kind.key(record),
                        "op": "delete" if gone else "upsert",
                        "version": record.version,
                        "updated_at": record.updated_at,
                        "record": None if gone else kind.view(session, patient, record, now),
                    }
                )
        items.sort(key=lambda item: item["version"])
    session.commit()  # a clinician's read is logged
    return {
        "items": items,
        "next_since": items[-1]["version"] if items else max(after, 0),
        "has_more": has_more,
        "server_time": now,
    }


def prune(session, now: datetime, keep_days: int) -> int:
    """Forget tombstones older than keep_days; each patient's floor rises to the newest version forgotten, so a
    `since` below it is told to sync again. Returns how many were pruned."""
    horizon = now - timedelta(days=keep_days)
    pruned = 0
    for kind in KINDS.values():
        model = kind.model
        if not hasattr(model, "deleted_at"):
            continue
        old = model.deleted_at.is_not(None) & (model.deleted_at < horizon)
        floors = session.execute(
            select(model.patient_id, func.max(model.version)).where(old).group_by(model.patient_id)
        )
        for patient_id, version in floors:
            session.execute(
                update(User)
                .where(User.id == patient_id, User.sync_floor < version)
                .values(sync_floor=version)
                .execution_options(synchronize_session=False)
            )
        pruned += session.execute(delete(model).where(old).execution_options(synchronize_session=False)).rowcount
    return pruned
