"""Bearer-token authentication for every endpoint but the public ones."""

from flask import Flask, g, request
from flask_jwt_extended import current_user as _jwt_user
from flask_jwt_extended import get_jwt, verify_jwt_in_request

from bonecare import clock
from bonecare.accounts.models import User
from bonecare.accounts.service import live_session_user
from bonecare.errors import DomainError, Forbidden, SessionRevoked, TokenExpired, TokenInvalid, TokenMissing, problem
from bonecare.extensions import db, jwt
from bonecare.web import Blueprint, view_method


def public(func):
    """Mark a view method as open to anyone (no bearer token), in the code and in the spec."""
    func = Blueprint.doc(security=[])(func)
    func.bonecare_public = True
    return func


def refresh_token_required(func):
    """Mark a view method as taking a refresh token instead of an access token, in the code and in the spec."""
    func = Blueprint.doc(security=[{"refreshToken": []}])(func)
    func.bonecare_refresh = True
    return func


def current_user() -> User:
    """The signed-in user of this request."""
    return _jwt_user


def require_role(*roles: str) -> User:
    """The signed-in user, if their role is one of these; else a 403."""
    user = current_user()
    if user.role not in roles:
        raise Forbidden(f"This action is for {' or '.join(roles)} accounts.")
    return user


def current_sid() -> str:
    """The login session of this request's token."""
    return get_jwt()["sid"]


def _authenticate():
    if not request.path.startswith("/api/v1/") or request.method == "OPTIONS":
        return None
    method = view_method()
    if method is None:
        return None  # 404/405 answer on their own
    if getattr(method, "bonecare_refresh", False):
        verify_jwt_in_request(refresh=True)
    elif not getattr(method, "bonecare_public", False):
        verify_jwt_in_request()
    return None


def _answer(error: DomainError):
    return problem(error.status, error.type, error.title, error.detail, headers=error.headers)


def init_app(app: Flask) -> None:
    """Wire token checks and their problem+json answers into the app."""
    app.before_request(_authenticate)

    @jwt.token_in_blocklist_loader
    def _revoked(_header, payload):
        # One query answers both "is this login still valid?" and "who is it?" (see _load_user).
        g.bonecare_user = live_session_user(db.session, payload.get("sid"), payload.get("sub"), clock.now())
        return g.bonecare_user is None

    @jwt.user_lookup_loader
    def _load_user(_header, _payload):
        return g.get("bonecare_user")

    jwt.unauthorized_loader(lambda reason: _answer(TokenMissing("A bearer token is required.")))
    jwt.invalid_token_loader(lambda reason: _answer(TokenInvalid("The token is not valid.")))
    jwt.expired_token_loader(lambda _h, _p: _answer(TokenExpired("The token has expired; refresh it.")))
    jwt.revoked_token_loader(lambda _h, _p: _answer(SessionRevoked("The session has been revoked; sign in again.")))
    jwt.user_lookup_error_loader(lambda _h, _p: _answer(TokenInvalid("The account no longer exists.")))
    jwt.token_verification_failed_loader(lambda _h, _p: _answer(TokenInvalid("The token is not valid.")))
