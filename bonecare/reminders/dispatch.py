"""One batch end to end: claim due occurrences (queue.py), load what the verdicts need, decide (verdict.py),
send with no transaction held (send.py), and record every outcome (record.py) in the batch's one commit."""

import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from blinker import Namespace
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from bonecare.accounts.models import User
from bonecare.adherence.done import exercised, targets_met
from bonecare.dxa.models import DxaAppointment
from bonecare.errors import unavailable
from bonecare.reminders import queue
from bonecare.reminders.models import SNOOZE, Device, Occurrence, Reminder
from bonecare.reminders.push.base import Backend
from bonecare.reminders.record import deactivate, record
from bonecare.reminders.schedule import due_on, in_quiet_hours
from bonecare.reminders.send import deliver, message_for
from bonecare.reminders.verdict import HANDED_BACK, SEND, Claim, after_send, before_send

log = logging.getLogger(__name__)

# Sent once a batch's outcomes are recorded (an empty batch too: a pass of the worker), with its counts and the
# lag in seconds of each occurrence sent; bonecare/ops/metrics.py counts them. Nothing here knows who listens.
batch_recorded = Namespace().signal("reminders.batch-recorded")


@dataclass
class _Batch:
    """A batch's claimed occurrences (by due instant) and what its verdicts and sends read."""

    claimed: list
    patients: dict
    rules: dict
    live_appointments: set
    devices: dict  # patient id -> her active devices on the back-end's platforms
    done: set  # (patient id, local date, kind) with nothing left to remind of


def _done(session, claimed: list, rules: dict) -> set[tuple]:
    """(patient, local date, kind) of the claimed skip_if_done reminders whose day's task is already done."""

    def asked(kind: str) -> set[tuple]:
        """(patient, local date) of the claimed reminders of this kind that ask to be skipped when done."""
        return {
            (o.patient_id, o.local_date)
            for o in claimed
            if o.kind == kind and o.reminder_id in rules and rules[o.reminder_id].skip_if_done
        }

    return {(*pair, "supplement") for pair in targets_met(session, asked("supplement"))} | {
        (*pair, "exercise") for pair in exercised(session, asked("exercise"))
    }


def _load(session, ids: list, backend: Backend) -> _Batch:
    """Read everything the batch needs, then end the read transaction: none is held on the network."""
    claimed = sorted(session.scalars(select(Occurrence).where(Occurrence.id.in_(ids))).all(), key=lambda o: o.due_at)
    patients = {u.id: u for u in session.scalars(select(User).where(User.id.in_({o.patient_id for o in claimed})))}
    rule_ids = {o.reminder_id for o in claimed if o.reminder_id}
    rules = {r.id: r for r in session.scalars(select(Reminder).where(Reminder.id.in_(rule_ids)))} if rule_ids else {}
    appointment_ids = {o.appointment_id for o in claimed if o.appointment_id}
    live = select(DxaAppointment.id).where(DxaAppointment.id.in_(appointment_ids), DxaAppointment.deleted_at.is_(None))
    devices: dict = {}
    if backend.platforms:
        for device in session.scalars(
            select(Device).where(
                Device.patient_id.in_(set(patients)),
                Device.active.is_(True),
                Device.deleted_at.is_(None),  # a tombstone has given its target up
                Device.platform.in_(backend.platforms),
            )
        ):
            if device.receiving:  # a device whose session signed out gets nothing
                devices.setdefault(device.patient_id, []).append(device)
    batch = _Batch(
        claimed,
        patients,
        rules,
        set(session.scalars(live)) if appointment_ids else set(),
        devices,
        _done(session, claimed, rules),
    )
    for obj in [*claimed, *patients.values(), *rules.values(), *(d for ds in devices.values() for d in ds)]:
        session.expunge(obj)  # keep them as loaded while the read transaction ends
    session.rollback()
    return batch


def _claims(batch: _Batch, now: datetime) -> dict:
    """Occurrence id -> the plain facts its verdict is decided from."""
    latest_of_rule = {}
    for occ in reversed(batch.claimed):  # newest first: an older miss of the same rule is superseded
        if occ.reminder_id and not occ.key.startswith(SNOOZE):
            latest_of_rule.setdefault(occ.reminder_id, occ.id)
    claims = {}
    for occ in batch.claimed:
        patient, rule = batch.patients[occ.patient_id], batch.rules.get(occ.reminder_id)
        # a snooze is due when the patient asked, not when the rule says; it supersedes nothing and is never
        # superseded
        snooze = occ.key.startswith(SNOOZE)
        withdrawn = (occ.reminder_id and (rule is None or rule.deleted_at or not rule.enabled)) or (
            occ.appointment_id and occ.appointment_id not in batch.live_appointments
        )
        claims[occ.id] = Claim(
            due_at=occ.due_at,
            grace=timedelta(seconds=occ.grace_seconds),
            withdrawn=bool(withdrawn),
            # an appointment's occurrence keeps its own instant; a rule's is what the rule and zone say now
            planned_due=occ.due_at
            if rule is None or snooze
            else due_on(occ.local_date, rule.days_of_week, rule.time_of_day, patient.timezone),
            superseded=occ.reminder_id is not None and not snooze and latest_of_rule[occ.reminder_id] != occ.id,
            done=(occ.patient_id, occ.local_date, occ.kind) in batch.done,
            quiet=in_quiet_hours(now, patient.timezone, patient.quiet_start, patient.quiet_end),
        )
    return claims


def _store(session, verdicts: dict, tried: set, dead_devices: list, worker: str, now: datetime, until: float):
    """Record a batch's outcomes and commit: the batch's one commit. Through a database outage keep trying
    while the claims' lease lasts (until `until`, monotonic): what was sent must be recorded as sent, or it
    would be sent again."""
    wait = 0.5
    while True:
        try:
            record(session, verdicts, tried, worker, now)
            deactivate(session, dead_devices, now)
            session.commit()
            return
        except DBAPIError as exc:
            session.rollback()
            if not unavailable(exc) or time.monotonic() + wait > until:
                raise
            log.warning("database unavailable while recording %d outcomes; retrying in %.1f s", len(verdicts), wait)
            time.sleep(wait)
            wait = min(wait * 2, 10)


def dispatch_batch(
    session, backend: Backend, now: datetime, worker: str, limit: int = queue.BATCH, stop=None, lease=queue.LEASE
):
    """Claim one batch for `lease` and take every claimed occurrence to its next recorded state; returns the
    counts. Once `stop` (an Event) is set, sends not yet begun are handed back to pending."""
    session.rollback()  # start clean: no transaction of ours may hold SQLite's lock while we claim
    ids = queue.claim(session.get_bind(), now, worker, limit, lease)
    counts = Counter(claimed=len(ids))
    if not ids:
        batch_recorded.send(counts=counts, lags=[])
        return counts
    batch = _load(session, ids, backend)
    claims = _claims(batch, now)
    verdicts = {occ.id: before_send(claims[occ.id], now) for occ in batch.claimed}
    to_send = [occ for occ in batch.claimed if verdicts[occ.id] is SEND]
    started = time.monotonic()

    def send(occ):
        """Deliver one occurrence on a send thread; None when it is handed back unsent."""
        if time.monotonic() - started > lease.total_seconds() / 2 or (stop is not None and stop.is_set()):
            return None  # a slow batch, or one whose process is stopping, hands back what it has not sent
        message = message_for(occ, claims[occ.id].due_at + claims[occ.id].grace, now)
        return deliver(backend, message, batch.devices.get(occ.patient_id, []))

    tried, dead_devices = set(), []
    for occ, outcome in zip(to_send, backend.map(send, to_send), strict=True):
        if outcome is None:
            verdicts[occ.id] = HANDED_BACK
            continue
        kind, detail, retry_after, dead = outcome
        tried.add(occ.id)
        dead_devices.extend(dead)
        verdicts[occ.id] = after_send(
            claims[occ.id], now, attempts=occ.attempts, kind=kind, detail=detail, retry_after=retry_after
        )
    for verdict in verdicts.values():
        counts[verdict.status if verdict.status != "pending" else "retrying"] += 1
        counts["late"] += verdict.late
    _store(session, verdicts, tried, dead_devices, worker, now, until=started + lease.total_seconds() * 0.9)
    lags = [(now - occ.due_at).total_seconds() for occ in to_send if verdicts[occ.id].status == "sent"]
    batch_recorded.send(counts=counts, lags=lags)
    return counts


def dispatch(
    session, backend: Backend, now, worker: str, limit=queue.BATCH, max_batches=1000, stop=None, lease=queue.LEASE
) -> Counter:
    """Dispatch batches until nothing is due or `stop` (an Event) is set; `now` is a callable read before each
    batch."""
    total = Counter()
    for _ in range(max_batches):
        counts = dispatch_batch(session, backend, now(), worker, limit, stop, lease)
        total.update(counts)
        if counts["claimed"] < limit or (stop is not None and stop.is_set()):
            break
    return total
