"""/api/v1/auth, /api/v1/invitations and /api/v1/patients/{pid}/care-team"""

import hashlib
import uuid

from flask import request
from flask.views import MethodView
from flask_jwt_extended import get_jwt

from bonecare.accounts import resets, service
from bonecare.accounts.auth import current_sid, current_user, public, refresh_token_required, require_role
from bonecare.accounts.schemas import (
    CareTeamMemberOut,
    Empty,
    InvitationCodeIn,
    InvitationOut,
    LoginIn,
    LoginOut,
    PasswordChangeIn,
    PasswordForgotIn,
    PasswordResetIn,
    RegisterIn,
    SessionOut,
    TokensOut,
    UserOut,
)
from bonecare.clock import now
from bonecare.errors import DomainError
from bonecare.extensions import configured_limit, db, limiter
from bonecare.web import Blueprint
from bonecare.web.parser import loads
from bonecare.web.schemas import PageQuery, page_of

bp = Blueprint("accounts", __name__, url_prefix="/api/v1", description="Accounts, tokens and care teams")


_auth_limit = configured_limit("BONECARE_AUTH_RATE_LIMIT")


def account_key(email: str) -> str:
    """The limiter's key of the account an email names (a hash, so that its store holds no addresses): the same
    for the API's sign-in and the clinic's page."""
    return "account:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _named_account() -> str:
    """The key of the account a body names (login, forgot)."""
    try:
        email = str(loads(request.get_data(cache=True)).get("email"))
    except (DomainError, ValueError, AttributeError):
        email = ""  # an unreadable body gets its 4xx from the parser; it is not a failed sign-in
    return account_key(email)


_RATE_LIMITED = {"response": "TOO_MANY_REQUESTS"}


@bp.route("/auth/register")
class Register(MethodView):
    decorators = [limiter.limit(_auth_limit, methods=["POST"])]

    @public
    @bp.arguments(RegisterIn)
    @bp.response(201, UserOut)
    def post(self, data):
        """Create a patient account (with an invitation code, her clinician joins her care team)."""
        return service.register(db.session, data, now())


@bp.route("/auth/login")
class Login(MethodView):
    # Per address, and per account counting only wrong passwords: so that neither one address nor many (a botnet,
    # or every patient behind one carrier NAT) can guess one account's password.
    decorators = [
        limiter.limit(_auth_limit, methods=["POST"]),
        limiter.limit(
            configured_limit("BONECARE_LOGIN_ACCOUNT_RATE_LIMIT"),
            methods=["POST"],
            key_func=_named_account,
            scope="login-account",
            deduct_when=lambda response: response.status_code == 401,
        ),
    ]

    @public
    @bp.arguments(LoginIn)
    @bp.response(200, LoginOut)
    @bp.alt_response(403, response="FORBIDDEN", description="the account has been deactivated (account-deactivated)")
    def post(self, data):
        """Exchange email and password for an access and a refresh token (cancelling a pending deletion)."""
        return service.login(db.session, data["email"], data["password"], now(), request.user_agent.string)


@bp.route("/auth/refresh")
class Refresh(MethodView):
    @refresh_token_required
    @bp.arguments(Empty, required=False)
    @bp.response(200, TokensOut)
    def post(self, _data):
        """Trade the refresh token (as the bearer token) for a new pair; the old one stops working."""
        return service.refresh(db.session, get_jwt(), now())


@bp.route("/auth/logout")
class Logout(MethodView):
    @bp.response(204)
    def post(self):
        """Revoke this session's tokens."""
        service.logout(db.session, current_sid(), now())


@bp.route("/auth/sessions")
class Sessions(MethodView):
    @bp.arguments(PageQuery, location="query")
    @bp.response(200, page_of(SessionOut, "SessionPage"))
    def get(self, query):
        """The caller's signed-in sessions, newest first; `current` marks this one."""
        return service.list_sessions(db.session, current_user(), current_sid(), query, now())


@bp.route("/auth/sessions/<uuid:session_id>")
class SessionView(MethodView):
    @bp.response(204)
    def delete(self, session_id: uuid.UUID):
        """Sign one of the caller's sessions out: its tokens stop working at once."""
        service.end_session(db.session, current_user(), session_id, now())


@bp.route("/auth/logout-all")
class LogoutAll(MethodView):
    @bp.response(204)
    def post(self):
        """Sign out everywhere: every session of the caller, this one included."""
        service.logout_all(db.session, current_user(), now())


@bp.route("/auth/password")
class Password(MethodView):
    decorators = [limiter.limit(_auth_limit, methods=["POST"])]

    @bp.arguments(PasswordChangeIn)
    @bp.response(204)
    @bp.alt_response(403, response="FORBIDDEN", description="the current password is wrong (password-wrong)")
    @bp.alt_response(429, **_RATE_LIMITED)
    def post(self, data):
        """Change the password, given the current one (a wrong one is a 403 password-wrong); every other
        session is signed out, this one stays."""
        new, current = data["new_password"], data["current_password"]
        service.change_password(db.session, current_user(), current_sid(), current, new, now())


@bp.route("/auth/password/forgot")
class PasswordForgot(MethodView):
    # Per address, and per account named (each request counts): no one floods a patient's inbox.
    decorators = [
        limiter.limit(_auth_limit, methods=["POST"]),
        limiter.limit(
            configured_limit("BONECARE_RESET_ACCOUNT_RATE_LIMIT"),
            methods=["POST"],
            key_func=_named_account,
            scope="reset-account",
        ),
    ]

    @public
    @bp.arguments(PasswordForgotIn)
    @bp.response(202)
    @bp.alt_response(429, **_RATE_LIMITED)
    def post(self, data):
        """Ask for a password-reset e-mail: a 202 whether or not the address has an account; a known active one
        gets a single-use link, valid 30 minutes."""
        resets.request_reset(db.session, data["email"], now())


@bp.route("/auth/password/reset")
class PasswordResetView(MethodView):
    decorators = [limiter.limit(_auth_limit, methods=["POST"])]

    @public
    @bp.arguments(PasswordResetIn)
    @bp.response(204)
    @bp.alt_response(429, **_RATE_LIMITED)
    def post(self, data):
        """Set a new password with the e-mail's token; every session is signed out. An unknown, used or expired
        token is a 422 on `token`."""
        resets.reset_password(db.session, data["token"], data["new_password"], now())


@bp.route("/invitations")
class Invitations(MethodView):
    @bp.arguments(Empty, required=False)
    @bp.response(201, InvitationOut)
    def post(self, _data):
        """A single-use code, valid 14 days, for a patient to add the calling clinician."""
        return service.create_invitation(db.session, require_role("clinician"), now())


@bp.route("/patients/<pid>/care-team")
class CareTeam(MethodView):
    @bp.arguments(PageQuery, location="query")
    @bp.response(200, page_of(CareTeamMemberOut, "CareTeamPage"))
    def get(self, query, pid):
        """The clinicians who can see this patient (the patient herself)."""
        return service.care_team(db.session, current_user(), pid, query, now())

    @limiter.limit(_auth_limit)
    @bp.arguments(InvitationCodeIn)
    @bp.response(201, CareTeamMemberOut)
    def post(self, data, pid):
        """Add the clinician whose invitation code this is."""
        return service.join_care_team(db.session, current_user(), pid, data["invitation_code"], now())


@bp.route("/patients/<pid>/care-team/<uuid:clinician_id>")
class CareTeamMember(MethodView):
    @bp.response(204)
    def delete(self, pid, clinician_id: uuid.UUID):
        """Remove a clinician: their access ends at once."""
        service.leave_care_team(db.session, current_user(), pid, clinician_id, now())
