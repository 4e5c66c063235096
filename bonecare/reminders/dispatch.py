"""Claim due occurrences atomically, deliver them, record every outcome; recover expired leases; prune."""

import logging
import time
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, tuple_, update
from sqlalchemy.exc import DBAPIError

from bonecare.accounts.models import User
from bonecare.careplan.service import targets_for_many
from bonecare.dxa.models import DxaAppointment
from bonecare.errors import unavailable
from bonecare.exercise.models import Exercise
from bonecare.intake.models import Intake
from bonecare.localtime import local_instant
from bonecare.reminders.models import TERMINAL_STATUSES, Device, Occurrence, Reminder
from bonecare.reminders.push.base import Backend, Message
from bonecare.reminders.schedule import LATE_AFTER, backoff, days_of, in_quiet_hours, parse_time

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
BATCH = 200
PRUNE_AFTER = timedelta(days=90)
_T = Occurrence.__table__


def claim(engine, now: datetime, worker: str, limit: int = BATCH, lease: timedelta = LEASE) -> list:
    """Claim up to `limit` due occurrences for this worker in one atomic statement; returns their ids.
    PostgreSQL: UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING, the SELECT as a
    materialized CTE.
    SQLite: the same UPDATE … RETURNING inside BEGIN IMMEDIATE (SQLite has no SKIP LOCKED)."""
    postgres = engine.dialect.name == "postgresql"
    due = (
        select(_T.c.id)
        .where(
            _T.c.status == "pending",
            _T.c.due_at <= now,
            or_(_T.c.next_attempt_at.is_(None), _T.c.next_attempt_at <= now),
        )
        .order_by(_T.c.due_at)
        .limit(limit)
    )
    if postgres:
        due = due.with_for_update(skip_locked=True)
    # MATERIALIZED: the locking subquery runs once. Inlined as a semi-join, PostgreSQL may rescan it per row,
    # and each rescan skips the rows just claimed and hands out more than `limit`.
    due = due.cte("due").prefix_with("MATERIALIZED")
    stmt = (
        update(_T)
        .where(_T.c.id.in_(select(due.c.id)), _T.c.status == "pending")
        .values(status="claimed", claimed_by=worker, lease_until=now + lease, updated_at=now)
        .returning(_T.c.id)
    )
    if postgres:
        with engine.begin() as conn:
            return list(conn.execute(stmt).scalars())
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            ids = list(conn.execute(stmt).scalars())
        except BaseException:
            conn.exec_driver_sql("ROLLBACK")
            raise
        conn.exec_driver_sql("COMMIT")
        return ids


def recover(session, now: datetime) -> int:
    """Return the claims of workers whose lease ran out (they died or hung) to pending; commits."""
    result = session.execute(
        update(Occurrence)
        .where(Occurrence.status == "claimed", Occurrence.lease_until < now)
        .values(status="pending", claimed_by=None, lease_until=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return max(result.rowcount or 0, 0)


def prune(session, now: datetime) -> int:
    """Delete finished occurrences older than the kept history; commits."""
    result = session.execute(
        delete(Occurrence)
        .where(Occurrence.status.in_(TERMINAL_STATUSES), Occurrence.due_at < now - PRUNE_AFTER)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return max(result.rowcount or 0, 0)


def _done_days(session, claimed: list[Occurrence], rules: dict) -> set[tuple]:
    """(patient, local date, kind) for which a skip_if_done reminder has nothing left to remind of:
    supplement — that day's calcium AND vitamin D targets met; exercise — a session logged that day."""
    wanted = {
        kind: {
            (o.patient_id, o.local_date)
            for o in claimed
            if o.kind == kind and o.reminder_id in rules and rules[o.reminder_id].skip_if_done
        }
        for kind in ("supplement", "exercise")
    }
    done: set[tuple] = set()
    if wanted["supplement"]:
        pairs = list(wanted["supplement"])
        totals = session.execute(
            select(Intake.patient_id, Intake.local_date, func.sum(Intake.calcium_mg), func.sum(Intake.vitamin_d_iu))
            .where(tuple_(Intake.patient_id, Intake.local_date).in_(pairs), Intake.deleted_at.is_(None))
            .group_by(Intake.patient_id, Intake.local_date)
        ).all()
        targets = targets_for_many(session, list({patient_id for patient_id, *_ in totals}))
        for patient_id, day, calcium, vitamin_d in totals:
            target = targets[patient_id]
            if calcium >= target["calcium_mg_min"] and vitamin_d >= target["vitamin_d_iu_min"]:
                done.add((patient_id, day, "supplement"))
    if wanted["exercise"]:
        pairs = list(wanted["exercise"])
        for patient_id, day in session.execute(
            select(Exercise.patient_id, Exercise.local_date)
            .where(tuple_(Exercise.patient_id, Exercise.local_date).in_(pairs), Exercise.deleted_at.is_(None))
            .distinct()
        ).all():
            done.add((patient_id, day, "exercise"))
    return done


def _record(session, results: list[dict], worker: str, now: datetime) -> None:
    """Write the outcomes: one UPDATE per distinct outcome (a batch is mostly one), each guarded so that a claim
    this worker lost (its lease ran out and another took it) is left alone."""
    groups: dict[tuple, list] = {}
    for row in results:
        outcome = (row["status"], row["tried"], row["sent_at"], row["late"], row["next"], row["error"], row["due"])
        groups.setdefault(outcome, []).append(row["id"])
    for (status, tried, sent_at, late, next_at, error, due), ids in groups.items():
        session.execute(
            update(_T)
            .where(_T.c.id.in_(ids), _T.c.claimed_by == worker, _T.c.status == "claimed")
            .values(
                status=status,
                attempts=_T.c.attempts + tried,
                sent_at=sent_at,
                late=late,
                due_at=due if due is not None else _T.c.due_at,
                next_attempt_at=next_at,
                last_error=error,
                lease_until=None,
                claimed_by=None,
                updated_at=now,
            )
        )


def _planned_due(occ: Occurrence, rule: Reminder | None, timezone: str) -> datetime | None:
    """When a rule's occurrence is due by the rule and zone as they are now (None: that day no longer fires);
    an appointment's occurrence keeps its own."""
    if rule is None:
        return occ.due_at
    if occ.local_date.weekday() not in days_of(rule.days_of_week):
        return None
    return local_instant(occ.local_date, parse_time(rule.time_of_day), timezone)


def _verdict(
    occ: Occurrence,
    now: datetime,
    deadline: datetime,
    patient,
    rule,
    live_appointments: set,
    done: set,
    latest_of_rule: dict,
) -> tuple[str, str | None, datetime | None]:
    """What becomes of a claimed occurrence before any network: ("send", None, None), or the state it ends in now
    with its reason and, for one moved to later, its new due instant."""
    planned = _planned_due(occ, rule, patient.timezone)
    if (occ.reminder_id and (rule is None or rule.deleted_at or not rule.enabled)) or (
        occ.appointment_id and occ.appointment_id not in live_appointments
    ):
        return "cancelled", "source withdrawn", None
    if planned != occ.due_at:  # the rule or her time zone changed since planning, the planner not yet run
        if planned is not None and planned > now:
            return "pending", None, planned
        return "cancelled", "re-planned", None
    if now > deadline:
        return "expired", "past its grace window", None
    if occ.reminder_id and latest_of_rule[occ.reminder_id] != occ.id:
        return "expired", "superseded by a later occurrence", None
    if (occ.patient_id, occ.local_date, occ.kind) in done:
        return "skipped", "already done today", None
    if in_quiet_hours(now, patient.timezone, patient.quiet_start, patient.quiet_end):
        return "skipped", "quiet hours", None
    return "send", None, None


def _deliver(backend: Backend, message: Message, devices: list) -> tuple[str, str | None, timedelta | None, list]:
    """Send to every device: (overall kind, error, retry-after, dead device ids)."""
    if not backend.platforms:
        outcome = backend.send(None, message)
        return outcome.kind, outcome.detail or None, outcome.retry_after, []
    if not devices:
        return "error", "no active device", None, []
    kinds, errors, waits, dead = set(), [], [], []
    for device in devices:
        outcome = backend.send(device, message)
        kinds.add(outcome.kind)
        if outcome.kind == "dead":
            dead.append(device.id)
        if outcome.detail:
            errors.append(outcome.detail)
        if outcome.retry_after:
            waits.append(outcome.retry_after)
    overall = "ok" if "ok" in kinds else "retry" if "retry" in kinds else "error"
    return overall, "; ".join(errors)[:300] or None, max(waits) if waits else None, dead


def _store(session, results: list[dict], dead_devices: list, worker: str, now: datetime, until: float) -> None:
    """Record a batch's outcomes and commit. Through a database outage keep trying while the claims' lease
    lasts (until `until`, monotonic): what was sent must be recorded as sent, or it would be sent again."""
    wait = 0.5
    while True:
        try:
            _record(session, results, worker, now)
            if dead_devices:
                session.execute(
                    update(Device)
                    .where(Device.id.in_(dead_devices))
                    .values(active=False, deactivated_at=now)
                    .execution_options(synchronize_session=False)
                )
            session.commit()
            return
        except DBAPIError as exc:
            session.rollback()
            if not unavailable(exc) or time.monotonic() + wait > until:
                raise
            log.warning("database unavailable while recording %d outcomes; retrying in %.1f s", len(results), wait)
            time.sleep(wait)
            wait = min(wait * 2, 10)


def dispatch_batch(session, backend: Backend, now: datetime, worker: str, limit: int = BATCH, stop=None) -> Counter:
    """Claim one batch and take every claimed occurrence to its next recorded state; commits. Once `stop` (an
    Event) is set, sends not yet begun are handed back to pending."""
    session.commit()  # no write transaction of ours may hold SQLite's lock while we claim
    ids = claim(session.get_bind(), now, worker, limit)
    counts = Counter(claimed=len(ids))
    if not ids:
        return counts
    claimed = sorted(session.scalars(select(Occurrence).where(Occurrence.id.in_(ids))).all(), key=lambda o: o.due_at)
    patients = {u.id: u for u in session.scalars(select(User).where(User.id.in_({o.patient_id for o in claimed})))}
    rule_ids = {o.reminder_id for o in claimed if o.reminder_id}
    rules = {r.id: r for r in session.scalars(select(Reminder).where(Reminder.id.in_(rule_ids)))} if rule_ids else {}
    appointment_ids = {o.appointment_id for o in claimed if o.appointment_id}
    live_appointments = (
        set(
            session.scalars(
                select(DxaAppointment.id).where(
                    DxaAppointment.id.in_(appointment_ids), DxaAppointment.deleted_at.is_(None)
                )
            )
        )
        if appointment_ids
        else set()
    )
    devices: dict = {}
    if backend.platforms:
        for device in session.scalars(
            select(Device).where(
                Device.patient_id.in_(set(patients)), Device.active.is_(True), Device.platform.in_(backend.platforms)
            )
        ):
            devices.setdefault(device.patient_id, []).append(device)
    done = _done_days(session, claimed, rules)
    for obj in [*claimed, *patients.values(), *rules.values(), *(d for ds in devices.values() for d in ds)]:
        session.expunge(obj)  # keep them as loaded while the read transaction ends
    session.rollback()  # hold no transaction while talking to the network

    latest_of_rule = {}
    for occ in reversed(claimed):  # newest first: an older miss of the same rule is superseded
        if occ.reminder_id:
            latest_of_rule.setdefault(occ.reminder_id, occ.id)
    results, to_send = [], []
    for occ in claimed:
        deadline = occ.due_at + timedelta(seconds=occ.grace_seconds)
        status, error, due = _verdict(
            occ,
            now,
            deadline,
            patients[occ.patient_id],
            rules.get(occ.reminder_id),
            live_appointments,
            done,
            latest_of_rule,
        )
        row = {
            "id": occ.id,
            "status": status,
            "tried": 0,
            "sent_at": None,
            "late": False,
            "next": None,
            "error": error,
            "due": due,
        }
        results.append(row)
        if status == "send":
            to_send.append((occ, deadline, row))

    started = time.monotonic()

    def send(item):
        occ, deadline, _ = item
        if time.monotonic() - started > LEASE.total_seconds() / 2 or (stop is not None and stop.is_set()):
            return None  # a slow batch, or one whose process is stopping, hands back what it has not sent
        ttl = max(int((deadline - now).total_seconds()), 60)
        message = Message(str(occ.id), occ.key, occ.title, occ.body, ttl)
        return _deliver(backend, message, devices.get(occ.patient_id, []))

    outcomes = backend.map(send, to_send)
    dead_devices = []
    for (occ, deadline, row), outcome in zip(to_send, outcomes, strict=True):
        if outcome is None:
            row.update(status="pending")
            continue
        kind, error, wait, dead = outcome
        dead_devices.extend(dead)
        row.update(tried=1, error=error)
        if kind == "ok":
            row.update(status="sent", sent_at=now, late=now - occ.due_at > LATE_AFTER)
        elif kind == "retry" and now + (delay := backoff(occ.attempts + 1, wait)) <= deadline:
            row.update(status="pending", next=now + delay)
        else:
            row.update(status="failed")
    for row in results:
        counts[row["status"] if row["status"] != "pending" else "retrying"] += 1
        counts["late"] += bool(row["late"])
    _store(session, results, dead_devices, worker, now, until=started + LEASE.total_seconds() * 0.9)
    return counts


def dispatch(
    session, backend: Backend, now, worker: str, limit: int = BATCH, max_batches: int = 1000, stop=None
) -> Counter:
    """Dispatch batches until nothing is due or `stop` (an Event) is set; `now` is a callable read before each
    batch."""
    total = Counter()
    for _ in range(max_batches):
        counts = dispatch_batch(session, backend, now(), worker, limit, stop)
        total.update(counts)
        if counts["claimed"] < limit or (stop is not None and stop.is_set()):
            break
    return total
