"""Reminder, device and notification use cases; each change to a rule or device takes the patient's next version
(accounts.sync)."""

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from bonecare.accounts.access import open_record
from bonecare.accounts.sync import check_version, stamp
from bonecare.database import assign, holds, insert_once, owned
from bonecare.errors import Conflict, Deleted, Invalid
from bonecare.reminders.endpoints import auth_problem, endpoint_problem, p256dh_problem
from bonecare.reminders.models import Device, Occurrence, Reminder, target_hash
from bonecare.reminders.planner import plan
from bonecare.reminders.schedule import DAYS, next_fire
from bonecare.web.paging import paginate

_FIELDS = ("kind", "time_of_day", "days_of_week", "title", "body", "enabled", "skip_if_done", "log_on_done")
# Enough for every reminder and phone a patient could want; a bound on what one account can make the worker do.
MAX_REMINDERS = 20
MAX_DEVICES = 10
# A device's push target: a tombstone gives it up, so the same target can be registered again.
_TARGET = ("endpoint", "token", "p256dh", "auth", "target_hash")


def _check_quota(session, patient, model, live, limit: int, what: str) -> None:
    """Refuse a new record past the patient's limit; her row is locked (open_record, for every write), so two
    creates cannot both pass."""
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
        "version": reminder.version,
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
        lambda row: row.patient_id == patient.id and holds(row, values),  # a deleted one's: a 409 deleted
    )
    if created:
        plan(session, now, reminder_id=stored.id)
        stamp(session, patient.id, stored, now)
    session.commit()  # the rule and its plan, together
    return reminder_view(stored, patient.timezone, now), created


def _open_reminder(session, caller, pid, reminder_id: uuid.UUID, action: str, now: datetime, live: bool = True):
    """The patient's rule of this id, opened for a write (a clinician's access logged): (patient, rule)."""
    patient = open_record(
        session, caller, pid, resource="reminders", action=action, resource_id=reminder_id, now=now
    ).patient
    return patient, owned(session, Reminder, patient, reminder_id, live=live, what="reminder")


def update_reminder(
    session, caller, pid, reminder_id: uuid.UUID, changes: dict, expected: int | None, now: datetime
) -> dict:
    """Change a rule (If-Match: at the version expected); its future pending occurrences are re-planned at once."""
    patient, reminder = _open_reminder(session, caller, pid, reminder_id, "update", now)
    check_version(reminder_view(reminder, patient.timezone, now), expected)
    if assign(reminder, _stored(changes)):
        _check_dose(reminder)
        plan(session, now, reminder_id=reminder.id)
        stamp(session, patient.id, reminder, now)
    session.commit()
    return reminder_view(reminder, patient.timezone, now)


def delete_reminder(session, caller, pid, reminder_id: uuid.UUID, expected: int | None, now: datetime) -> None:
    """Delete a rule (If-Match: at the version expected), leaving a tombstone; its pending occurrences are
    cancelled, those already sent stay in the history. Deleting it again is harmless."""
    patient, reminder = _open_reminder(session, caller, pid, reminder_id, "delete", now, live=False)
    if reminder.deleted_at is None:
        check_version(reminder_view(reminder, patient.timezone, now), expected)
        reminder.deleted_at = now
        plan(session, now, reminder_id=reminder.id)
        stamp(session, patient.id, reminder, now)
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


def _bury(session, device: Device, now: datetime) -> None:
    """Leave a device's tombstone (its owner's next version): switched off, its target given up."""
    assign(device, {"active": False, "deleted_at": now, **dict.fromkeys(_TARGET)})
    stamp(session, device.patient_id, device, now)


def register_device(
    session,
    caller,
    sid: str,
    pid,
    data: dict,
    allowed_hosts: list[str],
    now: datetime,
    installation_id=None,
    expected: int | None = None,
) -> tuple[Device, bool]:
    """Register an app install's push target, or refresh it: returns (device, created). The device is bound to
    the caller's session. Its installation id (PUT: the device's id, at the version If-Match expects) or else its
    target (POST) finds it; a deleted install's id is a 409 deleted; a target or an install that another patient
    still uses signed in is a 409, one she has left moves here (one target, one device)."""
    patient = open_record(session, caller, pid, resource="devices", action="create", now=now).patient
    columns = _target(data, allowed_hosts)
    digest = target_hash(data["platform"], columns["endpoint"] or columns["token"])
    by_target = session.scalar(select(Device).where(Device.target_hash == digest, Device.deleted_at.is_(None)))
    device = session.get(Device, installation_id) if installation_id else by_target
    if device is not None and device.deleted_at is not None:
        raise Deleted("This install's device was deleted; it stays deleted (make a new installation id).")
    if installation_id:  # another patient's device shows nothing: it matches no version
        check_version(device if device is not None and device.patient_id == patient.id else None, expected)
    for other in {device, by_target} - {None}:
        if other.patient_id != patient.id and _held(other, now):
            raise Conflict("This device is registered to another account.")
        if other is not device:  # an older install of this target, hers or left by another patient
            _bury(session, other, now)
        elif other.patient_id != patient.id:  # an install another patient has left starts again here
            session.delete(other)
            device = None
    session.flush()  # the rows given up free their keys before this one takes them
    created = device is None
    if created or not device.active:  # switching an old device back on takes a place too
        _check_quota(session, patient, Device, Device.active.is_(True), MAX_DEVICES, "active devices")
    if created:
        device = Device(id=installation_id or uuid.uuid4(), patient_id=patient.id, created_at=now)
        session.add(device)
    changed = assign(
        device,
        {
            **columns,
            "platform": data["platform"],
            "target_hash": digest,
            "app_version": data.get("app_version"),
            "locale": data.get("locale"),
            "session_id": uuid.UUID(sid),
            "active": True,
            "deactivated_at": None,
        },
    )
    try:
        if changed:  # a retry that changes nothing takes no version
            stamp(session, patient.id, device, now)
        session.commit()
    except IntegrityError as exc:  # a concurrent registration of another patient took the key first
        session.rollback()
        raise Conflict("This device is registered to another account.") from exc
    return device, created


def list_devices(session, caller, pid, query: dict, now: datetime) -> dict:
    """A page of the patient's devices, oldest first (their targets masked by the view); tombstones are not shown."""
    patient = open_record(session, caller, pid, resource="devices", now=now).patient
    stmt = select(Device).where(Device.patient_id == patient.id, Device.deleted_at.is_(None))
    rows, cursor = paginate(session, stmt, [Device.created_at, Device.id], query["limit"], query.get("cursor"))
    session.commit()  # a clinician's read is logged
    return {"items": rows, "next_cursor": cursor}


def delete_device(session, caller, pid, device_id: uuid.UUID, expected: int | None, now: datetime) -> None:
    """Stop sending to a device (If-Match: at the version expected), leaving a tombstone that gives its target up;
    deleting it again is harmless."""
    patient = open_record(
        session, caller, pid, resource="devices", action="delete", resource_id=device_id, now=now
    ).patient
    device = owned(session, Device, patient, device_id, live=False, what="device")
    if device.deleted_at is None:
        check_version(device, expected)
        _bury(session, device, now)
    session.commit()


def silence(session, patient_id: uuid.UUID, now: datetime) -> None:
    """Stop every reminder of a patient at once (her account's deletion): her devices buried, her occurrences not
    yet sent cancelled; the planner plans nothing more for a patient whose deletion is pending, and her rules are
    left unplanned, so that the pass after a sign-in that cancels it plans them again. The caller holds her row's
    lock and commits."""
    for device in session.scalars(
        select(Device).where(Device.patient_id == patient_id, Device.deleted_at.is_(None))
    ).all():
        _bury(session, device, now)
    session.execute(
        update(Occurrence)
        .where(Occurrence.patient_id == patient_id, Occurrence.status.in_(("pending", "claimed")))
        .values(status="cancelled", updated_at=now, last_error="account deleted", claimed_by=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Reminder)
        .where(Reminder.patient_id == patient_id)
        .values(replan_at=None, planned_zone=None)
        .execution_options(synchronize_session=False)
    )


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
