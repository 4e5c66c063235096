"""Forgotten passwords: a request is queued whatever the address (the same work, known or not, so neither the
answer nor its time tells), the worker turns a known active account's request into a single-use token and its
e-mail, and the token sets a new password once, within 30 minutes."""

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from bonecare.accounts.mail import Mail
from bonecare.accounts.models import PasswordReset, ResetRequest, User
from bonecare.accounts.service import set_password
from bonecare.errors import Invalid

log = logging.getLogger(__name__)

RESET_VALIDITY = timedelta(minutes=30)
# A request the worker could not mail goes back to the queue this many times, then is dropped.
MAX_ATTEMPTS = 5
BATCH = 50


def _digest(token: str) -> str:
    # A token of 256 random bits needs no slow hash: nobody can guess one to match a leaked digest.
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(session, email: str, now: datetime) -> None:
    """Queue a reset e-mail for this address: the worker sends it if an active account has the address."""
    session.add(ResetRequest(email=email, requested_at=now))
    session.commit()


def reset_password(session, token: str, password: str, now: datetime) -> None:
    """Spend the token and set the password; every session is revoked. An unknown, spent or expired token (or a
    deactivated account's) is a 422 on `token`."""
    user_id = session.scalar(
        update(PasswordReset)
        .where(PasswordReset.token_hash == _digest(token), PasswordReset.used_at.is_(None))
        .where(PasswordReset.expires_at > now)
        .values(used_at=now)
        .returning(PasswordReset.user_id)
    )
    user = session.get(User, user_id) if user_id else None
    if user is None or user.deactivated_at is not None:
        session.rollback()
        raise Invalid("The reset link is unknown, already used or expired; ask for a new one.", "token")
    set_password(session, user, password, now)
    session.commit()


def issue_reset(session, user: User, now: datetime) -> tuple[PasswordReset, str]:
    """A new single-use token for the user, valid 30 minutes, stored as its hash: the row and the token. The
    caller commits."""
    token = secrets.token_urlsafe(32)
    reset = PasswordReset(user_id=user.id, token_hash=_digest(token), created_at=now, expires_at=now + RESET_VALIDITY)
    session.add(reset)
    return reset, token


def reset_mail(to: str, token: str, public_url: str | None) -> Mail:
    """The e-mail of a reset token: the link and the token itself (to type into the app); no health data."""
    minutes = int(RESET_VALIDITY.total_seconds() // 60)
    link = f"{public_url or ''}/reset-password?token={token}"
    text = (
        "Someone, we hope you, asked to reset the password of your bonecare account.\n\n"
        f"To choose a new password, open this link within {minutes} minutes:\n\n{link}\n\n"
        f"or enter this code in the app:\n\n{token}\n\n"
        "The link works once. If you did not ask, ignore this e-mail: your password stays as it is.\n"
    )
    return Mail(to=to, subject="Reset your bonecare password", text=text)


def send_reset_mails(session, mailer, now: datetime, public_url: str | None) -> int:
    """Work through the queued requests (any number of workers at once): each is claimed, and for an active
    account a token is stored (its hash) and mailed. A failed send takes its token back, requeues the request
    and raises (the worker backs off). Answers how many mails went."""
    sent = 0
    for _ in range(BATCH):
        request = session.scalars(
            select(ResetRequest).order_by(ResetRequest.requested_at).limit(1).with_for_update(skip_locked=True)
        ).first()
        if request is None:
            break
        claimed = session.execute(delete(ResetRequest).where(ResetRequest.id == request.id)).rowcount
        user = session.scalar(select(User).where(User.email == request.email, User.deactivated_at.is_(None)))
        if not claimed or user is None or now - request.requested_at > RESET_VALIDITY:
            session.commit()  # another worker's, an unknown address, or stale: no mail
            continue
        reset, token = issue_reset(session, user, now)
        session.commit()
        try:
            mailer.send(reset_mail(user.email, token, public_url))
        except Exception:
            session.execute(delete(PasswordReset).where(PasswordReset.id == reset.id))
            if request.attempts + 1 < MAX_ATTEMPTS:
                session.add(
                    ResetRequest(email=request.email, requested_at=request.requested_at, attempts=request.attempts + 1)
                )
            session.commit()
            raise
        sent += 1
    return sent
