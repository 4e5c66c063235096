"""Account request and response schemas."""

import marshmallow as ma
from marshmallow import validate

from bonecare.accounts.passwords import PASSWORD_MIN_LENGTH
from bonecare.web.schemas import AwareDateTime, Strict, validate_timezone


class Email(ma.fields.Email):
    """An email address, compared case-insensitively."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip().lower()


def new_password() -> ma.fields.String:
    """A password being chosen: the one strength rule, at registration, change and reset alike."""
    return ma.fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=PASSWORD_MIN_LENGTH, max=1024),
        metadata={"description": f"at least {PASSWORD_MIN_LENGTH} characters"},
    )


def _password() -> ma.fields.String:
    return ma.fields.String(required=True, load_only=True, validate=validate.Length(max=1024))


class RegisterIn(Strict):
    email = Email(required=True, validate=validate.Length(max=254))
    password = new_password()
    display_name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    timezone = ma.fields.String(required=True, validate=validate_timezone)
    invitation_code = ma.fields.String(load_default=None, validate=validate.Length(min=1, max=32))


class UserOut(ma.Schema):
    id = ma.fields.UUID()
    email = ma.fields.String()
    display_name = ma.fields.String()
    timezone = ma.fields.String()
    role = ma.fields.String()


class LoginIn(Strict):
    email = Email(required=True, validate=validate.Length(max=254))
    password = _password()


class SessionOut(ma.Schema):
    id = ma.fields.UUID()
    created_at = AwareDateTime()
    last_used_at = AwareDateTime(
        allow_none=True, metadata={"description": "the last sign-in or refresh of this session (null: before 0008)"}
    )
    user_agent = ma.fields.String(allow_none=True, metadata={"description": "the User-Agent it signed in with"})
    current = ma.fields.Boolean(metadata={"description": "whether this is the session of the calling token"})


class PasswordChangeIn(Strict):
    current_password = _password()
    new_password = new_password()


class PasswordForgotIn(Strict):
    email = Email(required=True, validate=validate.Length(max=254))


class PasswordResetIn(Strict):
    token = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=128), metadata={"description": "the token of the e-mail"}
    )
    new_password = new_password()


class TokensOut(ma.Schema):
    access_token = ma.fields.String()
    refresh_token = ma.fields.String()
    token_type = ma.fields.String()
    expires_in = ma.fields.Integer(metadata={"description": "seconds until the access token expires"})


class LoginOut(TokensOut):
    deletion_cancelled = ma.fields.Boolean(
        metadata={
            "description": "true when this sign-in cancelled the account's pending deletion (asked for with "
            "DELETE /patients/me, within its grace period): her records are kept, her clinicians are not restored "
            "(she invites them again); false on every other sign-in"
        }
    )


class Empty(Strict):
    """An empty JSON object."""


class InvitationOut(ma.Schema):
    code = ma.fields.String()
    expires_at = AwareDateTime()


class InvitationCodeIn(Strict):
    invitation_code = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))


class CareTeamMemberOut(ma.Schema):
    id = ma.fields.UUID(attribute="clinician_id")
    display_name = ma.fields.String(attribute="clinician.display_name")
    email = ma.fields.String(attribute="clinician.email")
    added_at = AwareDateTime()
