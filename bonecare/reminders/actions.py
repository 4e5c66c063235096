"""The notification actions: what the patient did with a reminder on her phone (opened, done, snooze, dismiss)."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import update

from bonecare.accounts.access import open_record
from bonecare.database import fingerprint, insert_for, insert_once, owned
from bonecare.intake.models import Intake
from bonecare.localtime import local_date_of
from bonecare.reminders.models import SNOOZE, Occurrence, Reminder

# The namespace of the intake ids `done` derives from an occurrence: a retried `done` makes the same id, which
# insert_once recognises, so the dose is stored once.
_DONE_IDS = uuid.UUID("5b0f3c8e-6d1a-4f57-9a43-2e7c1d9b8a60")


def _root(occurrence: Occurrence) -> uuid.UUID:
    """The occurrence a snooze was made from (an occurrence that is no snooze is its own root)."""
    if occurrence.key.startswith(SNOOZE):
        return uuid.UUID(occurrence.key.removeprefix(SNOOZE))
    return occurrence.id


def _log_dose(session, patient, occurrence: Occurrence, now: datetime) -> Intake | None:
    """Store the rule's log_on_done dose, once for an occurrence and its snooze; None when the rule has none."""
    rule = session.get(Reminder, occurrence.reminder_id) if occurrence.reminder_id else None
    if rule is None or not rule.log_on_done:
        return None
    body = {**rule.log_on_done, "taken_at": now, "note": None}
    entry = Intake(
        id=uuid.uuid5(_DONE_IDS, str(_root(occurrence))),
        patient_id=patient.id,
        local_date=local_date_of(now, patient.timezone),
        created_at=now,
        fingerprint=fingerprint(body),
        **body,
    )
    stored, _ = insert_once(session, entry, lambda row: row.patient_id == patient.id)
    return stored


def _snooze(session, occurrence: Occurrence, minutes: int, now: datetime) -> None:
    """Plan the one extra occurrence a snooze allows; its key is unique, so a second snooze plans nothing."""
    columns = ("patient_id", "reminder_id", "appointment_id", "kind", "title", "body", "local_date", "grace_seconds")
    session.execute(
        insert_for(session)(Occurrence)
        .values(
            {
                **{c: getattr(occurrence, c) for c in columns},
                "id": uuid.uuid4(),
                "key": f"{SNOOZE}{_root(occurrence)}",
                "due_at": now + timedelta(minutes=minutes),
                "status": "pending",
                "attempts": 0,
                "late": False,
                "created_at": now,
                "updated_at": now,
            }
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )


def _cancel_snooze(session, occurrence: Occurrence, now: datetime) -> None:
    """Done means quiet: a snooze still waiting is not sent."""
    session.execute(
        update(Occurrence)
        .where(Occurrence.key == f"{SNOOZE}{_root(occurrence)}", Occurrence.status == "pending")
        .values(status="cancelled", last_error="done", updated_at=now)
        .execution_options(synchronize_session=False)
    )


def act(session, caller, pid, notification_id: uuid.UUID, data: dict, now: datetime) -> dict:
    """Record an action on one of the patient's notifications: `opened` stamps opened_at (the first time); done,
    snooze and dismiss become its action (a repeat keeps the first acted_at); `done` logs the rule's dose once and
    `snooze` sends it again later, once. Returns the notification and the intake `done` logged."""
    patient = open_record(
        session, caller, pid, resource="notifications", action="update", resource_id=notification_id, now=now
    ).patient
    occurrence = owned(session, Occurrence, patient, notification_id, what="notification")
    action, intake = data["action"], None
    if action == "opened":
        occurrence.opened_at = occurrence.opened_at or now
    elif occurrence.action != action:
        occurrence.action, occurrence.acted_at = action, now
    if action == "done":
        intake = _log_dose(session, patient, occurrence, now)
        _cancel_snooze(session, occurrence, now)
    elif action == "snooze":
        _snooze(session, occurrence, data["snooze_minutes"], now)
    session.commit()
    return {"notification": occurrence, "intake": intake}
