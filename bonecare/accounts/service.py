"""Account use cases: register, sign in, rotate, sign out, sessions, passwords, invitations and care teams, a
deletion asked for."""

import secrets
import uuid
from datetime import datetime, timedelta

from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token, get_jti
from sqlalchemy import Uuid, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError

from bonecare.accounts.access import open_record
from bonecare.accounts.models import AuthSession, CareTeamMember, Invitation, PasswordReset, User
from bonecare.accounts.passwords import hash_password, verify_password
from bonecare.accounts.sync import stamp
from bonecare.database import UTCDateTime
from bonecare.errors import AccountDeactivated, Conflict, Invalid, NotFound, PasswordWrong, SessionRevoked, Unauthorized
from bonecare.web.paging import paginate

INVITATION_VALIDITY = timedelta(days=14)
USER_AGENT_MAX = 255  # the session's column: a longer User-Agent is cut
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in clinic
_CODE_LENGTH = 10


def create_user(session, *, email, password, display_name, timezone, role, now: datetime) -> User:
    """A new account; a taken email is a 409."""
    user = User(
        email=email.strip().lower(),
        password_hash=hash_password(password),
        role=role,
        display_name=display_name,
        timezone=timezone,
        created_at=now,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("An account with this email already exists.") from exc
    return user


def register(session, data: dict, now: datetime) -> User:
    """A new patient, who joins the inviting clinician's care when a code comes along."""
    code = data.pop("invitation_code", None)
    patient = create_user(session, role="patient", now=now, **data)
    stamp(session, patient.id, patient, now)  # her profile is the first record she syncs
    if code:
        _spend_invitation(session, code, patient, now)  # a bad code rolls the new account back too
    session.commit()
    return patient


def login(session, email: str, password: str, now: datetime, user_agent: str | None = None) -> dict:
    """A fresh token pair, and whether signing in cancelled the account's pending deletion; the same 401 for an
    unknown email, a wrong password and an account past its deletion's grace (the worker is about to erase it); a
    403 account-deactivated for the right password of a deactivated account (only who knows the password learns
    it)."""
    user = session.scalar(select(User).where(User.email == email))
    if not verify_password(user.password_hash if user else None, password):
        raise Unauthorized("The email or password is wrong.")
    if user.deactivated_at is not None:
        raise AccountDeactivated("This account has been deactivated; ask your clinic to reactivate it.")
    cancelled = user.erase_after is not None
    if cancelled and not _cancel_deletion(session, user.id, now):
        raise Unauthorized("The email or password is wrong.")
    sid = uuid.uuid4()
    tokens, jti, expires_at = _issue(user, sid, now)
    session.add(
        AuthSession(
            id=sid,
            user_id=user.id,
            refresh_jti=jti,
            created_at=now,
            last_used_at=now,
            user_agent=(user_agent or "")[:USER_AGENT_MAX] or None,
            expires_at=expires_at,
        )
    )
    session.commit()
    return {**tokens, "deletion_cancelled": cancelled}


def _cancel_deletion(session, user_id: uuid.UUID, now: datetime) -> bool:
    """Cancel a deletion still in its grace; False when it has run out (or the account is gone). One guarded
    UPDATE: it waits for a worker's erasure holding the row, and a worker that comes after finds nothing due."""
    cancelled = session.execute(
        update(User)
        .where(User.id == user_id, User.erase_after > now)
        .values(erase_after=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not cancelled:
        session.rollback()
    return bool(cancelled)


def request_deletion(session, patient: User, password: str, grace: timedelta, now: datetime) -> None:
    """The account side of a patient's deletion, in the caller's transaction (which holds her row's lock): her
    password confirmed (else a 403), every session revoked, her care team ended, her erasure set for `now + grace`."""
    if not verify_password(patient.password_hash, password):
        session.rollback()
        raise PasswordWrong("The password is wrong.")
    revoke_sessions(session, patient.id, now)
    session.execute(delete(CareTeamMember).where(CareTeamMember.patient_id == patient.id))
    patient.erase_after = now + grace


def refresh(session, claims: dict, now: datetime) -> dict:
    """Rotate: the presented refresh token is spent and a new pair issued. The token the last rotation spent,
    presented again within the grace window, gets the session's current pair (a retry after a lost response, or a
    race); any other spent token revokes the whole session (it may have been stolen)."""
    user = live_session_user(session, claims.get("sid"), claims.get("sub"), now)
    if user is None:
        raise SessionRevoked("The session has been revoked or has lapsed; sign in again.")
    sid = uuid.UUID(claims["sid"])
    tokens, jti, expires_at = _issue(user, sid, now)
    # Compare-and-swap, so that of two refreshes with one token exactly one rotates.
    rotated = session.execute(
        update(AuthSession)
        .where(AuthSession.id == sid, AuthSession.refresh_jti == claims["jti"], AuthSession.revoked_at.is_(None))
        .values(
            refresh_jti=jti, spent_refresh_jti=claims["jti"], rotated_at=now, last_used_at=now, expires_at=expires_at
        )
    ).rowcount
    if not rotated:
        login = session.scalars(
            select(AuthSession).where(AuthSession.id == sid).execution_options(populate_existing=True)
        ).one()
        grace = timedelta(seconds=current_app.config["BONECARE_REFRESH_GRACE_SECONDS"])
        if login.revoked_at is not None:  # signed out since the token was checked
            raise SessionRevoked("The session has been revoked; sign in again.")
        if login.spent_refresh_jti != claims["jti"] or now - login.rotated_at > grace:
            login.revoked_at = now
            session.commit()
            raise SessionRevoked("The refresh token was already used; the session has been revoked.")
        tokens = _issue(user, sid, now, refresh_jti=login.refresh_jti)[0]
    session.commit()
    return tokens


def logout(session, sid: str, now: datetime) -> None:
    """Revoke the session: its access and refresh tokens stop working at once."""
    session.execute(_revoke(now).where(AuthSession.id == uuid.UUID(sid)))
    session.commit()


def revoke_sessions(session, user_id: uuid.UUID, now: datetime, keep: uuid.UUID | None = None) -> int:
    """Revoke every live session of a user but `keep` (the caller's own, when given): their tokens stop working
    at once and the devices they registered fall silent. The caller commits; answers how many were revoked."""
    statement = _revoke(now).where(AuthSession.user_id == user_id)
    if keep is not None:
        statement = statement.where(AuthSession.id != keep)
    return session.execute(statement).rowcount


def _revoke(now: datetime):
    return update(AuthSession).where(AuthSession.revoked_at.is_(None)).values(revoked_at=now)


def list_sessions(session, user: User, sid: str, query: dict, now: datetime) -> dict:
    """A page of the user's live login sessions, newest first, the caller's own marked `current`."""
    stmt = select(AuthSession).where(
        AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None), AuthSession.expires_at > now
    )
    keys = [AuthSession.created_at, AuthSession.id]
    rows, cursor = paginate(session, stmt, keys, query["limit"], query.get("cursor"), descending=True)
    current = uuid.UUID(sid)
    fields = ("id", "created_at", "last_used_at", "user_agent")
    items = [{**{name: getattr(row, name) for name in fields}, "current": row.id == current} for row in rows]
    return {"items": items, "next_cursor": cursor}


def end_session(session, user: User, session_id: uuid.UUID, now: datetime) -> None:
    """Revoke one of the user's live sessions (its tokens stop at once); anyone else's, or none, is a 404."""
    statement = _revoke(now).where(
        AuthSession.id == session_id, AuthSession.user_id == user.id, AuthSession.expires_at > now
    )
    if not session.execute(statement).rowcount:
        session.rollback()
        raise NotFound("You have no such session signed in.")
    session.commit()


def logout_all(session, user: User, now: datetime) -> None:
    """Sign out everywhere: every session of the user, the caller's own included."""
    revoke_sessions(session, user.id, now)
    session.commit()


def change_password(session, user: User, sid: str, current: str, new: str, now: datetime) -> None:
    """A new password, given the current one (else a 403 password-wrong, as for a deletion); every other session
    is revoked, the caller's stays signed in."""
    if not verify_password(user.password_hash, current):
        raise PasswordWrong("The current password is wrong.")
    set_password(session, user, new, now, keep=uuid.UUID(sid))
    session.commit()


def set_password(session, user: User, password: str, now: datetime, keep: uuid.UUID | None = None) -> None:
    """Store a new password: every session but `keep` is revoked and every reset link still open is spent. The
    caller commits."""
    user.password_hash = hash_password(password)
    revoke_sessions(session, user.id, now, keep=keep)
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )


def find_user(session, email: str) -> User:
    """The account with this email (any case); a NotFound when there is none."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"No account has the email {email}.")
    return user


def users(session) -> list[User]:
    """Every account, oldest first (`users list`)."""
    return list(session.scalars(select(User).order_by(User.created_at, User.id)))


def deactivate(session, email: str, now: datetime) -> User:
    """The account signs in no more: every session is revoked at once (a clinician's care-team access with it,
    since every request checks the account), until `reactivate`."""
    user = find_user(session, email)
    user.deactivated_at = user.deactivated_at or now
    revoke_sessions(session, user.id, now)
    session.commit()
    return user


def reactivate(session, email: str) -> User:
    """The account may sign in again (its old sessions stay revoked)."""
    user = find_user(session, email)
    user.deactivated_at = None
    session.commit()
    return user


# Built once: every authenticated request runs it, and building a statement costs more than running it.
_LIVE_SESSION_USER = (
    select(User)
    .join(AuthSession, AuthSession.user_id == User.id)
    .where(
        AuthSession.id == bindparam("sid", type_=Uuid),
        User.id == bindparam("user_id", type_=Uuid),
        AuthSession.revoked_at.is_(None),
        AuthSession.expires_at > bindparam("now", type_=UTCDateTime),
        User.deactivated_at.is_(None),
    )
)


def live_session_user(session, sid: str | None, user_id: str | None, now: datetime) -> User | None:
    """The user of a token whose login is still valid, in one query; None once revoked or lapsed."""
    try:
        params = {"sid": uuid.UUID(sid), "user_id": uuid.UUID(user_id), "now": now}
    except (TypeError, ValueError):
        return None
    return session.scalar(_LIVE_SESSION_USER, params)


def _issue(user: User, sid: uuid.UUID, now: datetime, refresh_jti: str | None = None) -> tuple[dict, str, datetime]:
    """A token pair for the session (its refresh token minted anew with refresh_jti, when given), the refresh
    token's id and when the session lapses."""
    cfg = current_app.config
    access = create_access_token(identity=str(user.id), additional_claims={"sid": str(sid), "role": user.role})
    claims = {"sid": str(sid), **({"jti": refresh_jti} if refresh_jti else {})}
    refresh_token = create_refresh_token(identity=str(user.id), additional_claims=claims)
    tokens = {
        "access_token": access,
        "refresh_token": refresh_token,
        "token_type": "Bearer",
        "expires_in": int(cfg["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()),
    }
    return tokens, get_jti(refresh_token), now + cfg["JWT_REFRESH_TOKEN_EXPIRES"]


def create_invitation(session, clinician: User, now: datetime) -> Invitation:
    """A single-use code, valid 14 days, with which a patient adds this clinician."""
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    invitation = Invitation(code=code, clinician_id=clinician.id, created_at=now, expires_at=now + INVITATION_VALIDITY)
    session.add(invitation)
    session.commit()
    return invitation


def _normalise_code(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


def _spend_invitation(session, code: str, patient: User, now: datetime) -> uuid.UUID:
    """Spend a usable code (only one patient can, even when two try at once): its clinician joins the
    patient's care team. Returns the clinician's id; an unknown, used or expired code is a 422."""
    clinician_id = session.scalar(
        update(Invitation)
        .where(Invitation.code == _normalise_code(code), Invitation.used_at.is_(None), Invitation.expires_at > now)
        .values(used_at=now, used_by=patient.id)
        .returning(Invitation.clinician_id)
    )
    if clinician_id is None:
        session.rollback()
        raise Invalid("The invitation code is unknown, used or expired.", "invitation_code")
    if session.get(CareTeamMember, (patient.id, clinician_id)) is None:
        session.add(CareTeamMember(patient_id=patient.id, clinician_id=clinician_id, added_at=now))
    return clinician_id


def join_care_team(session, caller: User, pid: str, code: str, now: datetime) -> CareTeamMember:
    """Spend an invitation code: its clinician joins the patient's care team (the patient's own business)."""
    patient = open_record(session, caller, pid, resource="care_team", action="update", now=now).patient
    clinician_id = _spend_invitation(session, code, patient, now)
    session.commit()
    return session.get(CareTeamMember, (patient.id, clinician_id))


def care_team(session, caller: User, pid: str, query: dict, now: datetime) -> dict:
    """A page of the clinicians who can see this patient, oldest first (for the patient only)."""
    patient = open_record(session, caller, pid, resource="care_team", now=now).patient
    stmt = select(CareTeamMember).where(CareTeamMember.patient_id == patient.id)
    rows, cursor = paginate(
        session,
        stmt,
        [CareTeamMember.added_at, CareTeamMember.clinician_id],
        query["limit"],
        query.get("cursor"),
    )
    session.commit()
    return {"items": rows, "next_cursor": cursor}


def leave_care_team(session, caller: User, pid: str, clinician_id: uuid.UUID, now: datetime) -> None:
    """The clinician loses access to the patient at once."""
    patient = open_record(session, caller, pid, resource="care_team", action="delete", now=now).patient
    member = session.get(CareTeamMember, (patient.id, clinician_id))
    if member is None:
        raise NotFound("That clinician is not on this care team.")
    session.delete(member)
    session.commit()
