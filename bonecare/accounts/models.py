"""Accounts: users, login sessions, invitations, care-team membership."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bonecare.database import UTCDateTime, Versioned, new_id
from bonecare.extensions import db

SMOKING_STATUSES = ("never", "former", "current")
# A patient whose record changed since her summaries were computed (or who has none yet).
SUMMARY_DUE = "role = 'patient' AND (summary_clock IS NULL OR summary_clock <> sync_clock)"


class User(Versioned, db.Model):
    """A person who signs in: a patient, a clinician or an admin."""

    __tablename__ = "users"
    # The patients whose summaries are behind their record, found by an index that holds only them.
    __table_args__ = (
        Index(
            "ix_users_summary_due",
            "id",
            postgresql_where=text(SUMMARY_DUE),
            sqlite_where=text(SUMMARY_DUE),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    smoking_status: Mapped[str | None] = mapped_column(String(16))
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the profile's, with its `version`
    # A patient's change counter: every change to her records takes the next value, under this row's lock, so
    # versions commit in order and the changes feed never skips one (sync.stamp).
    sync_clock: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The sync clock her derived summaries (the panel's row) were computed at; NULL before the first time.
    summary_clock: Mapped[int | None] = mapped_column(Integer)
    # The newest version of a tombstone pruned: a `since` below it may have missed a deletion (410 sync-expired).
    sync_floor: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Set by `users deactivate`: the account signs in no more and its tokens are refused; cleared by `reactivate`.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set while a patient's deletion is pending: signing in before it cancels the deletion; from it on, the
    # worker's daily pass erases her for good (accounts.erasure).
    erase_after: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class AuthSession(db.Model):
    """One login: the refresh token currently valid for it, and whether it was revoked."""

    __tablename__ = "auth_sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    refresh_jti: Mapped[str] = mapped_column(String(64))
    # The refresh token the last rotation spent, and when: presented again within the grace window (a lost
    # response, two refreshes racing on app resume), it is answered with the current pair instead of revoking.
    spent_refresh_jti: Mapped[str | None] = mapped_column(String(64))
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the session last signed in or refreshed (an access token's use is not counted: no write per request).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str | None] = mapped_column(String(255))


class PasswordReset(db.Model):
    """A single-use password-reset token, stored as its SHA-256 (the token itself is only in the e-mail)."""

    __tablename__ = "password_resets"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ResetRequest(db.Model):
    """A "forgot password" request waiting for the worker, known address or not: the request only stores it (the
    same work either way), and the worker looks the account up, makes its token and sends the mail."""

    __tablename__ = "password_reset_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Invitation(db.Model):
    """A single-use code with which a clinician joins a patient's care team."""

    __tablename__ = "invitations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    clinician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CareTeamMember(db.Model):
    """A clinician who may see and care for a patient's record."""

    __tablename__ = "care_team_members"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    clinician_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)

    clinician: Mapped[User] = relationship(foreign_keys=[clinician_id], lazy="joined")
