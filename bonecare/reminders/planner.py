"""Materialise reminder rules and DXA appointments into durable occurrences, and keep them in step."""

import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bonecare.accounts.models import User
from bonecare.dxa.models import DxaAppointment
from bonecare.localtime import local_date_of, local_instant
from bonecare.reminders.models import SNOOZE, Occurrence, Reminder
from bonecare.reminders.schedule import DAILY_GRACE, DXA_GRACE, DXA_LEADS, DXA_TIME, due_on

# How many local days ahead occurrences exist, so that a worker that was down finds them waiting.
HORIZON_DAYS = 2
# A rule's horizon moves on at a minute of its own in the first hours of her local day, so that the rules of one
# zone do not all come due in one pass (a day's slack is left: tomorrow's occurrence exists already).
SPREAD_MINUTES = 12 * 60
# Rules reconciled together: their occurrences read in one statement, their changes written in a few.
CHUNK = 1000

# Generic words only: a notification on a lock screen names no drug, dose or result.
DEFAULT_WORDS = {
    "supplement": ("Time for your daily routine", "Open the app to see today's plan."),
    "exercise": ("Time to move", "Open the app to see today's plan."),
    "custom": ("Reminder", "Open the app for details."),
    "dxa": ("Upcoming appointment", "Open the app for details."),
}


def words_for(reminder) -> tuple[str, str]:
    """The title and body of a rule's notifications: the patient's own, else generic ones."""
    title, body = DEFAULT_WORDS[reminder.kind]
    return reminder.title or title, reminder.body or body


def _dates(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def _desired_for_rule(reminder, timezone: str, now: datetime, extra: set[date]) -> dict:
    """key -> (local date, due instant) of a live rule over the planning window."""
    start = local_date_of(now - DAILY_GRACE, timezone) - timedelta(days=1)
    end = local_date_of(now, timezone) + timedelta(days=HORIZON_DAYS)
    out = {}
    for day in sorted(set(_dates(start, end)) | extra):
        due = due_on(day, reminder.days_of_week, reminder.time_of_day, timezone)
        if due is not None:
            out[f"reminder:{reminder.id}:{day.isoformat()}"] = (day, due)
    return out


def _desired_for_appointment(appointment, timezone: str) -> dict:
    """key -> (local date, due instant): 7 days and 1 day before, at 09:00 local."""
    if appointment.deleted_at is not None:
        return {}
    out = {}
    for label, lead in DXA_LEADS.items():
        day = appointment.scheduled_for - timedelta(days=lead)
        out[f"dxa:{appointment.id}:{label}"] = (day, local_instant(day, DXA_TIME, timezone))
    return out


class _Plan:
    """The inserts and changes one planning pass collects, applied together."""

    def __init__(self, now: datetime):
        self.now = now
        self.inserts: list[dict] = []
        self.changes: defaultdict[tuple, list[dict]] = defaultdict(list)
        self.counts = {"rules": 0, "created": 0, "moved": 0, "cancelled": 0, "restored": 0}

    def reconcile(self, *, desired: dict, existing: list, since: datetime, grace: timedelta, base: dict) -> None:
        """Bring one source's occurrences to what it wants now. Only pending occurrences in the future move
        or go; a past one keeps its recorded state; a missing one is created unless it is older than its
        grace window or than the source itself."""
        now, title, body = self.now, base["title"], base["body"]
        by_key = {o.key: o for o in existing}
        for key, (day, due) in desired.items():
            occ = by_key.get(key)
            if occ is None:
                if due >= since and due >= now - grace:
                    self.inserts.append(
                        {
                            **base,
                            "id": uuid.uuid4(),
                            "key": key,
                            "local_date": day,
                            "due_at": due,
                            "grace_seconds": int(grace.total_seconds()),
                        }
                    )
            elif occ.status == "pending" and occ.due_at > now:
                if (occ.due_at, occ.title, occ.body) != (due, title, body):
                    if due >= now:
                        self._change(
                            occ, "moved", due_at=due, local_date=day, title=title, body=body, next_attempt_at=None
                        )
                    else:
                        self._cancel(occ)
            elif occ.status == "cancelled" and due > now and occ.due_at > now - grace:
                self._change(
                    occ,
                    "restored",
                    status="pending",
                    due_at=due,
                    local_date=day,
                    title=title,
                    body=body,
                    attempts=0,
                    next_attempt_at=None,
                    last_error=None,
                )
        for occ in existing:
            if occ.key not in desired and occ.status == "pending" and occ.due_at > now:
                self._cancel(occ)

    def _cancel(self, occ) -> None:
        self._change(occ, "cancelled", status="cancelled", last_error="re-planned")

    def _change(self, occ, count: str, **values) -> None:
        """A change of a stored occurrence, made only if it is still in the state it was read in (a worker may have
        claimed it since)."""
        values["updated_at"] = self.now
        self.changes[tuple(values)].append({"_id": occ.id, "_was": occ.status, **values})
        self.counts[count] += 1

    def flush(self, session) -> None:
        """Write the changes; insert the new occurrences, a key another planner made first left as it is."""
        table = Occurrence.__table__
        for rows in self.changes.values():
            session.execute(
                table.update().where(table.c.id == bindparam("_id"), table.c.status == bindparam("_was")), rows
            )
        self.changes.clear()
        if not self.inserts:
            return
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        fixed = {"created_at": self.now, "updated_at": self.now, "status": "pending", "attempts": 0, "late": False}
        # One statement run for many rows (batched by the driver, compiled once): not a VALUES list compiled anew.
        result = session.execute(
            insert(table).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id),
            [{**row, **fixed} for row in self.inserts],
        )
        self.counts["created"] += len(result.all())
        self.inserts.clear()


def _cancel_orphans(session, now: datetime, reminder_id: uuid.UUID | None = None) -> int:
    """Pending occurrences (due or not) of deleted or disabled rules and of cancelled or vanished appointments;
    with a rule id, of that rule only."""
    dead_rules = select(Reminder.id).where(or_(Reminder.deleted_at.is_not(None), Reminder.enabled.is_(False)))
    if reminder_id is not None:
        withdrawn = Occurrence.reminder_id.in_(dead_rules.where(Reminder.id == reminder_id))
    else:
        dead_appointments = select(DxaAppointment.id).where(DxaAppointment.deleted_at.is_not(None))
        withdrawn = or_(
            Occurrence.reminder_id.in_(dead_rules),
            Occurrence.appointment_id.in_(dead_appointments),
            and_(Occurrence.reminder_id.is_(None), Occurrence.appointment_id.is_(None)),
        )
    result = session.execute(
        update(Occurrence)
        .where(Occurrence.status == "pending", withdrawn)
        .values(status="cancelled", updated_at=now, last_error="source withdrawn")
        .execution_options(synchronize_session=False)
    )
    return max(result.rowcount or 0, 0)


def plan(session, now: datetime, *, reminder_id: uuid.UUID | None = None) -> dict:
    """One planning pass in the caller's transaction, which commits it; returns what it changed. Either one rule,
    or the rules that need it (never planned, their horizon moved on, their patient's zone changed) and every
    upcoming appointment: a pass after a quiet five minutes reads no rule. A deleted or disabled rule is left to
    _cancel_orphans, which cancels its pending occurrences."""
    work = _Plan(now)
    work.counts["cancelled"] += _cancel_orphans(session, now, reminder_id)
    _plan_rules(session, work, reminder_id)
    if reminder_id is None:
        _plan_appointments(session, work)
    work.flush(session)
    return work.counts


# The columns of an occurrence that reconciling reads (not whole objects: a full pass reads hundreds of thousands).
_SEEN = (
    Occurrence.id,
    Occurrence.key,
    Occurrence.status,
    Occurrence.due_at,
    Occurrence.local_date,
    Occurrence.title,
    Occurrence.body,
)


def _existing(session, column, ids: list, since: date) -> dict:
    """The planned occurrences of these sources from a local date on, grouped by source: a snooze is the patient's,
    not the source's, so reconciling never moves or cancels one."""
    grouped = defaultdict(list)
    for i in range(0, len(ids), 500):
        rows = session.execute(
            select(column, *_SEEN).where(
                column.in_(ids[i : i + 500]), Occurrence.local_date >= since, Occurrence.key.not_like(f"{SNOOZE}%")
            )
        ).all()
        for occ in rows:
            grouped[occ[0]].append(occ)
    return grouped


def _replan_at(rule_id: uuid.UUID, timezone: str, now: datetime) -> datetime:
    """When a rule planned at `now` next needs planning: at its minute of her next local day's first hours, when its
    horizon has moved on a day."""
    tomorrow = local_date_of(now, timezone) + timedelta(days=1)
    return local_instant(tomorrow, time(0, 0), timezone) + timedelta(minutes=rule_id.int % SPREAD_MINUTES)


def _plan_rules(session, work: _Plan, reminder_id) -> None:
    """Reconcile one rule, or the rules that need it, a chunk at a time, and record how far each is planned."""
    stmt = (
        select(
            Reminder.id,
            Reminder.patient_id,
            Reminder.kind,
            Reminder.title,
            Reminder.body,
            Reminder.time_of_day,
            Reminder.days_of_week,
            Reminder.created_at,
            User.timezone,
        )
        .join(User, User.id == Reminder.patient_id)
        .where(Reminder.deleted_at.is_(None), Reminder.enabled.is_(True), User.erase_after.is_(None))
    )
    if reminder_id is not None:
        stmt = stmt.where(Reminder.id == reminder_id)
    else:
        stmt = stmt.where(
            or_(
                Reminder.replan_at.is_(None),
                Reminder.replan_at <= work.now,
                Reminder.planned_zone != User.timezone,
            )
        )
    # In one order for every planner, so that two passes planning the same rules wait for each other, not deadlock.
    rows = session.execute(stmt.order_by(Reminder.id)).all()
    since = work.now.date() - timedelta(days=3)
    table = Reminder.__table__
    for i in range(0, len(rows), CHUNK):
        chunk = rows[i : i + CHUNK]
        existing = _existing(session, Occurrence.reminder_id, [r.id for r in chunk], since)
        for rule in chunk:
            current = existing.get(rule.id, [])
            extra = {o.local_date for o in current if o.status == "pending" and o.due_at > work.now}
            title, body = words_for(rule)
            work.reconcile(
                desired=_desired_for_rule(rule, rule.timezone, work.now, extra),
                existing=current,
                since=rule.created_at,
                grace=DAILY_GRACE,
                base={
                    "patient_id": rule.patient_id,
                    "reminder_id": rule.id,
                    "appointment_id": None,
                    "kind": rule.kind,
                    "title": title,
                    "body": body,
                },
            )
        session.execute(
            table.update().where(table.c.id == bindparam("_id")),
            [
                {"_id": r.id, "replan_at": _replan_at(r.id, r.timezone, work.now), "planned_zone": r.timezone}
                for r in chunk
            ],
        )
        work.counts["rules"] += len(chunk)
        work.flush(session)


def _plan_appointments(session, work: _Plan) -> None:
    first_day = work.now.date() - timedelta(days=2)
    stmt = (
        select(
            DxaAppointment.id,
            DxaAppointment.patient_id,
            DxaAppointment.scheduled_for,
            DxaAppointment.deleted_at,
            DxaAppointment.created_at,
            User.timezone,
        )
        .join(User, User.id == DxaAppointment.patient_id)
        .where(DxaAppointment.scheduled_for >= first_day, User.erase_after.is_(None))
    )
    rows = session.execute(stmt).all()
    existing = _existing(session, Occurrence.appointment_id, [a.id for a in rows], date.min)
    title, body = DEFAULT_WORDS["dxa"]
    for appointment in rows:
        work.reconcile(
            desired=_desired_for_appointment(appointment, appointment.timezone),
            existing=existing.get(appointment.id, []),
            since=appointment.created_at,
            grace=DXA_GRACE,
            base={
                "patient_id": appointment.patient_id,
                "reminder_id": None,
                "appointment_id": appointment.id,
                "kind": "dxa",
                "title": title,
                "body": body,
            },
        )
