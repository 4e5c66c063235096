"""Materialise reminder rules and DXA appointments into durable occurrences, and keep them in step."""

import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bonecare.accounts.models import User
from bonecare.dxa.models import DxaAppointment
from bonecare.localtime import local_date_of, local_instant
from bonecare.reminders.models import SNOOZE, Occurrence, Reminder
from bonecare.reminders.schedule import DAILY_GRACE, DXA_GRACE, DXA_LEADS, DXA_TIME, due_on

# How many local days ahead occurrences exist, so that a worker that was down finds them waiting.
HORIZON_DAYS = 2

# Generic words only: a notification on a lock screen names no drug, dose or result.
DEFAULT_WORDS = {
    "supplement": ("Time for your daily routine", "Open the app to see today's plan."),
    "exercise": ("Time to move", "Open the app to see today's plan."),
    "custom": ("Reminder", "Open the app for details."),
    "dxa": ("Upcoming appointment", "Open the app for details."),
}


def words_for(reminder: Reminder) -> tuple[str, str]:
    """The title and body of a rule's notifications: the patient's own, else generic ones."""
    title, body = DEFAULT_WORDS[reminder.kind]
    return reminder.title or title, reminder.body or body


def _dates(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def _desired_for_rule(reminder: Reminder, timezone: str, now: datetime, extra: set[date]) -> dict:
    """key -> (local date, due instant) of a live rule over the planning window."""
    start = local_date_of(now - DAILY_GRACE, timezone) - timedelta(days=1)
    end = local_date_of(now, timezone) + timedelta(days=HORIZON_DAYS)
    out = {}
    for day in sorted(set(_dates(start, end)) | extra):
        due = due_on(day, reminder.days_of_week, reminder.time_of_day, timezone)
        if due is not None:
            out[f"reminder:{reminder.id}:{day.isoformat()}"] = (day, due)
    return out


def _desired_for_appointment(appointment: DxaAppointment, timezone: str) -> dict:
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
        self.counts = {"created": 0, "moved": 0, "cancelled": 0, "restored": 0}

    def reconcile(
        self, *, desired: dict, existing: list[Occurrence], since: datetime, grace: timedelta, base: dict
    ) -> None:
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
                        occ.due_at, occ.local_date, occ.title, occ.body = due, day, title, body
                        occ.next_attempt_at, occ.updated_at = None, now
                        self.counts["moved"] += 1
                    else:
                        self._cancel(occ)
            elif occ.status == "cancelled" and due > now and occ.due_at > now - grace:
                occ.status, occ.due_at, occ.local_date, occ.title, occ.body = "pending", due, day, title, body
                occ.attempts, occ.next_attempt_at, occ.last_error, occ.updated_at = 0, None, None, now
                self.counts["restored"] += 1
        for occ in existing:
            if occ.key not in desired and occ.status == "pending" and occ.due_at > now:
                self._cancel(occ)

    def _cancel(self, occ: Occurrence) -> None:
        occ.status, occ.updated_at, occ.last_error = "cancelled", self.now, "re-planned"
        self.counts["cancelled"] += 1

    def flush(self, session) -> None:
        """Insert the new occurrences; a key another planner made first is left as it is."""
        if not self.inserts:
            return
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        for i in range(0, len(self.inserts), 500):
            chunk = [
                {
                    **row,
                    "created_at": self.now,
                    "updated_at": self.now,
                    "status": "pending",
                    "attempts": 0,
                    "late": False,
                }
                for row in self.inserts[i : i + 500]
            ]
            result = session.execute(insert(Occurrence).values(chunk).on_conflict_do_nothing(index_elements=["key"]))
            self.counts["created"] += max(result.rowcount or 0, 0)


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
    """One planning pass (everything, or one rule) in the caller's transaction, which commits it; returns what
    it changed. A deleted or disabled rule is left to _cancel_orphans, which cancels its pending occurrences."""
    work = _Plan(now)
    work.counts["cancelled"] += _cancel_orphans(session, now, reminder_id)
    _plan_rules(session, work, reminder_id)
    if reminder_id is None:
        _plan_appointments(session, work)
    work.flush(session)
    return work.counts


def _existing(session, column, ids: list, since: date) -> dict:
    """The planned occurrences of these sources from a local date on, grouped by source: a snooze is the patient's,
    not the source's, so reconciling never moves or cancels one."""
    grouped = defaultdict(list)
    for i in range(0, len(ids), 500):
        rows = session.scalars(
            select(Occurrence).where(
                column.in_(ids[i : i + 500]), Occurrence.local_date >= since, Occurrence.key.not_like(f"{SNOOZE}%")
            )
        ).all()
        for occ in rows:
            grouped[getattr(occ, column.key)].append(occ)
    return grouped


def _plan_rules(session, work: _Plan, reminder_id) -> None:
    stmt = (
        select(Reminder, User.timezone)
        .join(User, User.id == Reminder.patient_id)
        .where(Reminder.deleted_at.is_(None), Reminder.enabled.is_(True), User.erase_after.is_(None))
    )
    if reminder_id is not None:
        stmt = stmt.where(Reminder.id == reminder_id)
    rows = session.execute(stmt).all()
    since = work.now.date() - timedelta(days=3)
    existing = _existing(session, Occurrence.reminder_id, [r.id for r, _ in rows], since)
    for reminder, timezone in rows:
        current = existing.get(reminder.id, [])
        extra = {o.local_date for o in current if o.status == "pending" and o.due_at > work.now}
        title, body = words_for(reminder)
        work.reconcile(
            desired=_desired_for_rule(reminder, timezone, work.now, extra),
            existing=current,
            since=reminder.created_at,
            grace=DAILY_GRACE,
            base={
                "patient_id": reminder.patient_id,
                "reminder_id": reminder.id,
                "appointment_id": None,
                "kind": reminder.kind,
                "title": title,
                "body": body,
            },
        )


def _plan_appointments(session, work: _Plan) -> None:
    first_day = work.now.date() - timedelta(days=2)
    stmt = (
        select(DxaAppointment, User.timezone)
        .join(User, User.id == DxaAppointment.patient_id)
        .where(DxaAppointment.scheduled_for >= first_day, User.erase_after.is_(None))
    )
    rows = session.execute(stmt).all()
    existing = _existing(session, Occurrence.appointment_id, [a.id for a, _ in rows], date.min)
    title, body = DEFAULT_WORDS["dxa"]
    for appointment, timezone in rows:
        work.reconcile(
            desired=_desired_for_appointment(appointment, timezone),
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
