"""Reminder, device and notification use cases."""

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bonecare.accounts.access import open_record
from bonecare.accounts.models import User
from bonecare.database import insert_once, lock_row, owned
from bonecare.errors import Conflict, Invalid
from bonecare.reminders.endpoints import auth_problem, endpoint_problem, p256dh_problem
from bonecare.reminders.models import Device, Occurrence, Reminder, target_hash
from bonecare.reminders.planner import plan
from bonecare.reminders.schedule import DAYS, next_fire
from bonecare.web.paging import paginate

_FIELDS = ("kind", "time_of_day", "days_of_week", "title", "body", "enabled", "skip_if_done", "log_on_done")
# Enough for every reminder and phone a patient could want; a bound on what one account can make the worker do.
MAX_REMINDERS = 20
MAX_DEVICES = 10


def _lock(session, patient) -> None:
    """Take the patient's row lock: her writes that check before they write wait for each other."""
    lock_row(session, User.id, patient.id)


def _check_quota(session, patient, model, live, limit: int, what: str) -> None:
    """Refuse a new record past the patient's limit; her row is locked first, so two creates cannot both pass."""
    _lock(session, patient)
    if session.scalar(select(func.count()).select_from(model).where(model.patient_id == patient.id, live)) >= limit:
        raise Invalid(f"A patient may have at most {limit} {what}; delete one first.")


def _stored(data: dict) -> dict:
    """Request fields as columns (days as "mon,tue" in week order)."""
    out = {k: v for k, v in data.items() if k in _FIELDS}
    if "days_of_week" in out:
        out["days_of_week"] = ",".join(d for d in DAYS if d in out["days_of_week"])
    return out


def _check_dose(reminder: Reminder) -> None:
    """Only a supplement reminder's `done` logs an intake dose."""
    if reminder.log_on_done and reminder.kind != "supplement":
        raise Invalid("Only a supplement reminder can log a dose when done.", "log_on_done")


def reminder_view(reminder: Reminder, timezone: str, now: datetime) -> dict:
    """A rule as the API shows it, with when it fires next."""
    fires = next_fire(reminder.time_of_day, reminder.days_of_week, timezone, now) if reminder.enabled else None
    return {
        **{f: getattr(reminder, f) for f in _FIELDS},
        "id": reminder.id,
        "days_of_week": reminder.days_of_week.split(","),
        "next_fire_at": fires,
        "created_at": reminder.created_at,
        "updated_at": reminder.updated_at,
    }


def list_reminders(session, caller, pid, query: dict, now: datetime) -> dict:
    """A page of the patient's reminder rules, oldest first."""
    patient = open_record(session, caller, pid, resource="reminders", now=now).patient
    stmt = select(Reminder).where(Reminder.patient_id == patient.id, Reminder.deleted_at.is_(None))
    rows, cursor = paginate(
        session,
        stmt,
        [Reminder.created_at, Reminder.id],
        query["limit"],
        query.get("cursor"),
    )
    session.commit()  # a clinician's read is logged
    return {"items": [reminder_view(r, patient.timezone, now) for r in rows], "next_cursor": cursor}


def create_reminder(session, caller, pid, data: dict, now: datetime) -> tuple[dict, bool]:
    """Store a rule and plan it at once: returns (view, created); a retry with the same id is recognised."""
    patient = open_record(session, caller, pid, resource="reminders", action="create", now=now).patient
    if data.get("id") is None or session.get(Reminder, data["id"]) is None:  # a retry is answered, not counted
        _check_quota(session, patient, Reminder, Reminder.deleted_at.is_(None), MAX_REMINDERS, "reminders")
    values = _stored(data)
    reminder = Reminder(
        id=data.get("id") or uuid.uuid4(), patient_id=patient.id, created_at=now, updated_at=now, **values
    )
    _check_dose(reminder)
    stored, created = insert_once(
        session,
        reminder,
        lambda row: (
            row.patient_id == patient.id
            and row.deleted_at is None
            and all(getattr(row, k) == v for k, v in values.items())
        ),
    )
    if created:
        plan(session, now, reminder_id=stored.id)
    session.commit()  # the rule and its plan, together
    return reminder_view(stored, patient.timezone, now), created


def update_reminder(session, caller, pid, reminder_id: uuid.UUID, changes: dict, now: datetime) -> dict:
    """Change a rule; its future pending occurrences are re-planned at once."""
    patient = open_record(
        session, caller, pid, resource="reminders", action="update", resource_id=reminder_id, now=now
    ).patient
    reminder = owned(session, Reminder, patient, reminder_id, what="reminder")
    for field, value in _stored(changes).items():
        setattr(reminder, field, value)
    _check_dose(reminder)
    reminder.updated_at = now
    plan(session, now, reminder_id=reminder.id)
    session.commit()
    return reminder_view(reminder, patient.timezone, now)


def delete_reminder(session, caller, pid, reminder_id: uuid.UUID, now: datetime) -> None:
    """Delete a rule; its pending occurrences are cancelled, those already sent stay in the history."""
    patient = open_record(
        session, caller, pid, resource="reminders", action="delete", resource_id=reminder_id, now=now
    ).patient
    reminder = owned(session, Reminder, patient, reminder_id, what="reminder")
    reminder.deleted_at = reminder.updated_at = now
    plan(session, now, reminder_id=reminder.id)
    session.commit()


def _check_subscription(subscription: dict, allowed_hosts: list[str]) -> None:
    problems = {}
    if message := endpoint_problem(subscription["endpoint"], allowed_hosts):
        problems["subscription.endpoint"] = [message]
    if message := p256dh_problem(subscription["keys"]["p256dh"]):
        problems["subscription.keys.p256dh"] = [message]
    if message := auth_problem(subscription["keys"]["auth"]):
        problems["subscription.keys.auth"] = [message]
    if problems:
        raise Invalid("The push subscription is not acceptable.", errors=problems)


def _target(data: dict, allowed_hosts: list[str]) -> dict:
    """A device's target columns from a registration."""
    if data["platform"] == "webpush":
        subscription = data["subscription"]
        _check_subscription(subscription, allowed_hosts)
        keys = subscription["keys"]
        return {"endpoint": subscription["endpoint"], "token": None, "p256dh": keys["p256dh"], "auth": keys["auth"]}
    return {"endpoint": None, "token": data["token"], "p256dh": None, "auth": None}


def _held(device: Device, now: datetime) -> bool:
    """Whether a device is in use by a signed-in session (its own patient's, who must sign out to give it up)."""
    login = device.login
    return device.active and login is not None and login.revoked_at is None and login.expires_at > now


def register_device(
    session, caller, sid: str, pid, data: dict, allowed_hosts: list[str], now: datetime, installation_id=None
) -> tuple[Device, bool]:
    """Register an app install's push target, or refresh it: returns (device, created). The device is bound to
    the caller's session. Its installation id (PUT: the device's id) or else its target (POST) finds it; a target
    or an install that another patient still uses signed in is a 409, one she has left moves here (one target, one
    device)."""
    patient = open_record(session, caller, pid, resource="devices", action="create", now=now).patient
    _lock(session, patient)  # one registration at a time
    columns = _target(data, allowed_hosts)
    digest = target_hash(data["platform"], columns["endpoint"] or columns["token"])
    by_target = session.scalar(select(Device).where(Device.target_hash == digest))
    device = session.get(Device, installation_id) if installation_id else by_target
    for other in {device, by_target} - {None}:
        if other.patient_id != patient.id and _held(other, now):
            raise Conflict("This device is registered to another account.")
        if other.patient_id != patient.id or other is not device:  # left by another patient, or an older install
            session.delete(other)
            device = None if other is device else device
    session.flush()  # the rows given up free their keys before this one takes them
    created = device is None
    if created or not device.active:  # switching an old device back on takes a place too
        _check_quota(session, patient, Device, Device.active.is_(True), MAX_DEVICES, "active devices")
    if created:
        device = Device(id=installation_id or uuid.uuid4(), patient_id=patient.id, created_at=now)
        session.add(device)
    for key, value in {
        **columns,
        "platform": data["platform"],
        "target_hash": digest,
        "app_version": data.get("app_version"),
        "locale": data.get("locale"),
        "session_id": uuid.UUID(sid),
        "active": True,
        "deactivated_at": None,
        "updated_at": now,
    }.items():
        setattr(device, key, value)
    try:
        session.commit()
    except IntegrityError as exc:  # a concurrent registration of another patient took the key first
        session.rollback()
        raise Conflict("This device is registered to another account.") from exc
    return device, created


def list_devices(session, caller, pid, query: dict, now: datetime) -> dict:
    """A page of the patient's devices, oldest first (their targets masked by the view)."""
    patient = open_record(session, caller, pid, resource="devices", now=now).patient
    stmt = select(Device).where(Device.patient_id == patient.id)
    rows, cursor = paginate(session, stmt, [Device.created_at, Device.id], query["limit"], query.get("cursor"))
    session.commit()  # a clinician's read is logged
    return {"items": rows, "next_cursor": cursor}


def delete_device(session, caller, pid, device_id: uuid.UUID, now: datetime) -> None:
    """Stop sending to a device."""
    patient = open_record(
        session, caller, pid, resource="devices", action="delete", resource_id=device_id, now=now
    ).patient
    session.delete(owned(session, Device, patient, device_id, what="device"))
    session.commit()


def list_notifications(session, caller, pid, query: dict, now: datetime) -> dict:
    """A page of the patient's reminders as planned and sent, newest first."""
    patient = open_record(session, caller, pid, resource="notifications", now=now).patient
    stmt = select(Occurrence).where(Occurrence.patient_id == patient.id)
    if query.get("status") == "pending":
        stmt = stmt.where(Occurrence.status.in_(("pending", "claimed")))
    elif query.get("status"):
        stmt = stmt.where(Occurrence.status == query["status"])
    rows, cursor = paginate(
        session,
        stmt,
        [Occurrence.due_at, Occurrence.id],
        query["limit"],
        query.get("cursor"),
        descending=True,
    )
    session.commit()  # a clinician's read is logged
    return {"items": rows, "next_cursor": cursor}
