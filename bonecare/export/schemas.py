"""The export's two answers: the JSON document (each part in the schema of its own GET, the feed's SCHEMAS) and,
for the spec, the outline of a FHIR bundle."""

import marshmallow as ma

from bonecare.accounts.schemas import CareTeamMemberOut
from bonecare.audit.schemas import AccessLogEntryOut
from bonecare.changes.schemas import SCHEMAS
from bonecare.export.service import FORMAT, FORMAT_VERSION, SECTIONS, SINGLE
from bonecare.reminders.schemas import NotificationOut
from bonecare.web.schemas import AwareDateTime


def _part(name: str) -> ma.fields.Field:
    nested = ma.fields.Nested(SCHEMAS[name], required=True)
    return nested if SECTIONS[name] in SINGLE else ma.fields.List(nested, required=True)


ExportOut = ma.Schema.from_dict(
    {
        "format": ma.fields.String(required=True, metadata={"enum": [FORMAT]}),
        "format_version": ma.fields.Integer(
            required=True, metadata={"enum": [FORMAT_VERSION], "description": "grows when a field changes meaning"}
        ),
        "exported_at": AwareDateTime(required=True),
        "patient_id": ma.fields.UUID(required=True),
        **{SECTIONS[name]: _part(name) for name in SCHEMAS},
        "notifications": ma.fields.List(ma.fields.Nested(NotificationOut), required=True),
        "care_team": ma.fields.List(
            ma.fields.Nested(CareTeamMemberOut), metadata={"description": "the patient's export only"}
        ),
        "access_log": ma.fields.List(
            ma.fields.Nested(AccessLogEntryOut),
            metadata={"description": "the patient's export only: who else read or changed her record, oldest first"},
        ),
    },
    name="ExportOut",
)


class BundleEntry(ma.Schema):
    fullUrl = ma.fields.String(metadata={"description": "urn:uuid:<the resource's id>"})  # noqa: N815 - FHIR's
    resource = ma.fields.Dict(metadata={"description": "a FHIR R4 resource"})


class FhirBundle(ma.Schema):
    """A FHIR R4 Bundle of type collection (http://hl7.org/fhir/R4B/bundle.html)."""

    resourceType = ma.fields.String(metadata={"enum": ["Bundle"]})  # noqa: N815 - FHIR's name
    id = ma.fields.String()
    type = ma.fields.String(metadata={"enum": ["collection"]})
    timestamp = ma.fields.String(metadata={"description": "when it was made (FHIR instant)"})
    entry = ma.fields.List(ma.fields.Nested(BundleEntry))
