"""A page sign-in is a real login session (an AuthSession row), its id kept in Flask's signed session cookie and
checked on every page request: sign-out everywhere, deactivation and a password change end it as they end tokens."""

from flask import Flask, request, session
from flask_jwt_extended import decode_token

from bonecare import clock
from bonecare.accounts import service
from bonecare.accounts.models import User
from bonecare.errors import Forbidden
from bonecare.extensions import db


def init_app(app: Flask) -> None:
    """The session cookie's flags: HttpOnly, SameSite=Lax, Secure unless BONECARE_INSECURE_COOKIES=1 (local use)."""
    insecure = app.config.get("BONECARE_INSECURE_COOKIES", False)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=not insecure)


def sign_in(email: str, password: str) -> User:
    """Log in through the accounts use case (a 401 for a wrong email or password); only clinicians use the clinic."""
    tokens = service.login(db.session, email.strip().lower(), password, clock.now(), request.user_agent.string)
    claims = decode_token(tokens["access_token"])
    if claims.get("role") != "clinician":
        service.logout(db.session, claims["sid"], clock.now())
        raise Forbidden("The clinic is for clinician accounts; patients use the app.")
    session.clear()
    session["sid"], session["uid"] = claims["sid"], claims["sub"]
    return signed_in_user()


def signed_in_user() -> User | None:
    """The clinician of this browser, while the login session lives."""
    sid, uid = session.get("sid"), session.get("uid")
    if not sid:
        return None
    user = service.live_session_user(db.session, sid, uid, clock.now())
    if user is None:
        session.clear()
    return user


def sign_out() -> None:
    """End the login session (its row revoked) and forget it in the browser."""
    if sid := session.get("sid"):
        service.logout(db.session, sid, clock.now())
    session.clear()
