"""Access-log schemas."""

import marshmallow as ma

from bonecare.web.schemas import AwareDateTime


class ActorOut(ma.Schema):
    id = ma.fields.UUID()
    display_name = ma.fields.String()
    role = ma.fields.String()


class AccessLogEntryOut(ma.Schema):
    id = ma.fields.UUID()
    at = AwareDateTime()
    actor = ma.fields.Nested(ActorOut, allow_none=True, metadata={"description": "null once the account is gone"})
    action = ma.fields.String(metadata={"enum": ["read", "create", "update", "delete"]})
    resource = ma.fields.String(metadata={"description": "which part of the record, e.g. intake, dxa_results"})
    resource_id = ma.fields.String(allow_none=True)
