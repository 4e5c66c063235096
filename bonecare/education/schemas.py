"""Education query and response schemas."""

import marshmallow as ma
from marshmallow import validate

from bonecare.guidance.content import AUDIENCES
from bonecare.web.schemas import Date, PageQuery, Strict

_AUDIENCE = {"description": "whose wording: plain language for patients, clinical terms for clinicians"}


def _audience_field():
    return ma.fields.String(load_default="patient", validate=validate.OneOf(AUDIENCES), metadata=_AUDIENCE)


class AudienceQuery(Strict):
    """?audience=patient|clinician (default patient)."""

    audience = _audience_field()


class CatalogueQuery(PageQuery):
    """?audience= with paging."""

    audience = _audience_field()


class SectionOut(ma.Schema):
    heading = ma.fields.String(required=True)
    body = ma.fields.String(required=True, metadata={"description": "plain text with light markdown (lists)"})
    citations = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={"description": 'the sources of this section, e.g. "ASCO 2019 rec. 3.1"'},
    )


class TopicSummaryOut(ma.Schema):
    slug = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    audience = ma.fields.String(required=True, validate=validate.OneOf(AUDIENCES))
    last_reviewed = Date(required=True, metadata={"description": "when a clinical reviewer last checked it"})
    tags = ma.fields.List(ma.fields.String(), required=True, metadata={"description": "subjects, most central first"})


class TopicOut(TopicSummaryOut):
    sections = ma.fields.List(ma.fields.Nested(SectionOut), required=True)


class RecommendationOut(TopicSummaryOut):
    reasons = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={
            "description": "why this topic: the assessment flag codes it answers (e.g. BASELINE_DXA_MISSING, "
            "SMOKER), closest first, or ESSENTIAL for reading everyone taking exemestane should have"
        },
    )

    @ma.pre_dump
    def _flatten(self, rec, **kwargs):
        return {**{name: getattr(rec.topic, name) for name in TopicSummaryOut._declared_fields}, "reasons": rec.reasons}
