"""Account request and response schemas."""

import marshmallow as ma
from marshmallow import validate

from bonecare.web.schemas import AwareDateTime, Strict, validate_timezone


class Email(ma.fields.Email):
    """An email address, compared case-insensitively."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip().lower()


class RegisterIn(Strict):
    email = Email(required=True, validate=validate.Length(max=254))
    password = ma.fields.String(required=True, load_only=True, validate=validate.Length(min=10, max=1024))
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
    password = ma.fields.String(required=True, load_only=True, validate=validate.Length(max=1024))


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
