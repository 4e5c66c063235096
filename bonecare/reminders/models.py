"""Reminder rules, push devices, and the durable occurrences the worker delivers."""

import hashlib
import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bonecare.accounts.models import AuthSession
from bonecare.database import UTCDateTime, Versioned, new_id, version_index
from bonecare.extensions import db

# The states an occurrence ends in; "pending" and "claimed" are the only others.
TERMINAL_STATUSES = ("sent", "skipped", "failed", "expired", "cancelled")
OCCURRENCE_STATUSES = ("pending", "claimed", *TERMINAL_STATUSES)
# What a patient can do with a notification: "opened" stamps opened_at; the others are its `action`.
ACTIONS = ("opened", "done", "snooze", "dismiss")
# The key prefix of the one extra occurrence a snooze plans: "snooze:{the snoozed occurrence's id}".
SNOOZE = "snooze:"


class Reminder(Versioned, db.Model):
    """A patient's rule: remind me of <kind> at <local time> on <days>."""

    __tablename__ = "reminders"
    __table_args__ = (version_index("reminders"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    time_of_day: Mapped[str] = mapped_column(String(5))
    days_of_week: Mapped[str] = mapped_column(String(27))  # "mon,tue,…"
    title: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[str | None] = mapped_column(String(300))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    skip_if_done: Mapped[bool] = mapped_column(Boolean, default=True)
    # The intake dose `done` logs ({calcium_mg, vitamin_d_iu, source, product?}); supplement rules only.
    log_on_done: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How far the planner has planned the rule: when its horizon next moves on, and the zone it was planned in (a
    # change of her zone re-plans it); None, never planned, or to be planned again at the next pass.
    replan_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    planned_zone: Mapped[str | None] = mapped_column(String(64))


def target_hash(platform: str, target: str) -> str:
    """The unique key of a push target: one target is one device, however long its token."""
    return hashlib.sha256(f"{platform}\n{target}".encode()).hexdigest()


def _target_hash_of(context) -> str:
    row = context.get_current_parameters()
    return target_hash(row["platform"], row.get("endpoint") or row.get("token"))


class Device(Versioned, db.Model):
    """A push target (a Web Push subscription, an FCM or an APNs token) of one app install, bound to the login
    session that registered it: that session's sign-out stops its reminders. One target is one device."""

    __tablename__ = "devices"
    __table_args__ = (version_index("devices"),)

    # The id the app makes once per install (PUT …/devices/{installation_id}), or the server's for a POST.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("auth_sessions.id", ondelete="SET NULL"))
    platform: Mapped[str] = mapped_column(String(16))
    endpoint: Mapped[str | None] = mapped_column(Text)
    p256dh: Mapped[str | None] = mapped_column(String(200))
    auth: Mapped[str | None] = mapped_column(String(100))
    token: Mapped[str | None] = mapped_column(Text)
    # sha256 of the platform and its endpoint or token: the unique key (a 4 KiB token is too long for an index).
    # None on a tombstone: a deleted device gives its target up
    target_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=_target_hash_of)
    app_version: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str | None] = mapped_column(String(35))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    login: Mapped[AuthSession | None] = relationship(lazy="joined")

    @property
    def receiving(self) -> bool:
        """Whether reminders go to it: active, and its session not signed out."""
        return self.active and (self.login is None or self.login.revoked_at is None)


class Occurrence(db.Model):
    """One planned delivery of a reminder, unique by key, due at a UTC instant."""

    __tablename__ = "occurrences"
    __table_args__ = (
        Index("ix_occurrences_due", "status", "due_at"),
        Index("ix_occurrences_patient_due", "patient_id", "due_at"),
        # A source's occurrences, as the planner reads them (without, each chunk of rules scans the table).
        Index("ix_occurrences_reminder", "reminder_id", "local_date"),
        Index("ix_occurrences_appointment", "appointment_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reminder_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reminders.id", ondelete="SET NULL"))
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("dxa_appointments.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(String(300))
    local_date: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    grace_seconds: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    action: Mapped[str | None] = mapped_column(String(16))  # done, snooze or dismiss: the last one taken
    acted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
