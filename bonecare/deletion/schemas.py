"""Account deletion request and response schemas."""

import marshmallow as ma
from marshmallow import validate

from bonecare.web.schemas import AwareDateTime, Strict


class DeletionIn(Strict):
    password = ma.fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=1, max=1024),
        metadata={"description": "the account's password, to confirm; a wrong one is a 403 password-wrong"},
    )


class DeletionOut(ma.Schema):
    erase_after = AwareDateTime(
        metadata={"description": "from this instant the record is erased for good; signing in before it cancels"}
    )
