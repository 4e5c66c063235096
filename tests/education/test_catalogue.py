"""The public education catalogue and topics, for patients and clinicians, over HTTP."""

import pytest

from bonecare.guidance.content import catalogue
from bonecare.web.paging import encode_cursor
from tests.problems import assert_problem

URL = "/api/v1/education"


@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_catalogue_lists_every_topic_for_the_audience_without_signing_in(client, audience):
    response = client.get(f"{URL}?audience={audience}")
    assert response.status_code == 200
    body = response.json
    assert body["next_cursor"] is None
    assert [t["slug"] for t in body["items"]] == [t.slug for t in catalogue(audience)]
    first = body["items"][0]
    assert set(first) == {"slug", "title", "audience", "last_reviewed", "tags"}
    assert all(t["audience"] == audience for t in body["items"])
    assert first["slug"] == "why-exemestane-affects-bone"


def test_titles_differ_by_audience_and_pitfalls_are_for_clinicians_only(client):
    patient = {t["slug"]: t["title"] for t in client.get(URL).json["items"]}  # patient is the default
    clinician = {t["slug"]: t["title"] for t in client.get(f"{URL}?audience=clinician").json["items"]}
    assert "pitfalls-to-avoid" in clinician and "pitfalls-to-avoid" not in patient
    assert set(patient) < set(clinician)
    assert patient["why-exemestane-affects-bone"] != clinician["why-exemestane-affects-bone"]


def test_catalogue_pages_follow_the_cursor_to_the_end(client):
    slugs, url = [], f"{URL}?audience=clinician&limit=3"
    while url:
        body = client.get(url).json
        slugs += [t["slug"] for t in body["items"]]
        url = body["next_cursor"] and f"{URL}?audience=clinician&limit=3&cursor={body['next_cursor']}"
    assert slugs == [t.slug for t in catalogue("clinician")]


@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_a_topic_has_sections_with_citations_and_a_review_date(client, audience):
    response = client.get(f"{URL}/calcium-and-vitamin-d?audience={audience}")
    assert response.status_code == 200
    body = response.json
    assert body["slug"] == "calcium-and-vitamin-d" and body["audience"] == audience
    assert body["last_reviewed"] == "2026-11-27"
    assert body["title"] and body["sections"]
    for section in body["sections"]:
        assert set(section) == {"heading", "body", "citations"}
        assert section["heading"] and section["body"] and section["citations"]
    text = " ".join(s["body"] for s in body["sections"])
    assert "2000 mg" in text and "4000 IU" in text
    assert any(c.startswith("ASCO 2019") for s in body["sections"] for c in s["citations"])


def test_patient_wording_is_plain_and_clinician_wording_clinical(client):
    patient = client.get(f"{URL}/baseline-assessment?audience=patient").json
    clinician = client.get(f"{URL}/baseline-assessment?audience=clinician").json
    assert "bone density scan (DXA)" in " ".join(s["body"] for s in patient["sections"])
    assert "25-OH" in " ".join(s["body"] for s in clinician["sections"])


def test_the_clinician_only_topic(client):
    assert client.get(f"{URL}/pitfalls-to-avoid?audience=clinician").status_code == 200
    assert_problem(client.get(f"{URL}/pitfalls-to-avoid?audience=patient"), 404, "not-found")
    assert_problem(client.get(f"{URL}/pitfalls-to-avoid"), 404, "not-found")


@pytest.mark.parametrize(
    ("url", "status", "type_", "field"),
    [
        (f"{URL}/no-such-topic", 404, "not-found", None),
        (f"{URL}/no-such-topic?audience=clinician", 404, "not-found", None),
        (f"{URL}?audience=doctor", 422, "validation-error", "audience"),
        (f"{URL}?audience=", 422, "validation-error", "audience"),
        (f"{URL}/fracture-risk?audience=Patient", 422, "validation-error", "audience"),
        (f"{URL}?lang=en", 422, "validation-error", "lang"),
        (f"{URL}/fracture-risk?limit=5", 422, "validation-error", "limit"),
        (f"{URL}?limit=201", 422, "validation-error", "limit"),
        (f"{URL}?limit=0", 422, "validation-error", "limit"),
        (f"{URL}?cursor=not-a-cursor", 422, "validation-error", "cursor"),
        (f"{URL}?cursor=WyJ4Il0", 422, "validation-error", "cursor"),  # ["x"]
        (f"{URL}?cursor=WzBd", 422, "validation-error", "cursor"),  # [0]
    ],
)
def test_bad_requests_are_problems(client, url, status, type_, field):
    assert_problem(client.get(url), status, type_, field)


def test_a_cursor_past_the_end_gives_an_empty_last_page(client, ctx):
    body = client.get(f"{URL}?cursor={encode_cursor([99])}").json
    assert body == {"items": [], "next_cursor": None}


def test_signed_in_callers_see_the_same_catalogue(auth, client):
    patient = auth.as_patient()
    assert patient.get(URL).json == client.get(URL).json


def test_the_spec_documents_the_education_endpoints(client):
    spec = client.get("/api/openapi.json").json
    listing = spec["paths"]["/api/v1/education"]["get"]
    assert listing["security"] == []
    assert {p["name"] for p in listing["parameters"]} >= {"audience", "limit", "cursor"}
    one = spec["paths"]["/api/v1/education/{slug}"]["get"]
    assert one["security"] == [] and "404" in one["responses"]
    recommended = spec["paths"]["/api/v1/patients/{pid}/education/recommended"]["get"]
    assert "security" not in recommended or recommended["security"]
    schemas = spec["components"]["schemas"]
    assert {"TopicSummaryPage", "TopicOut", "SectionOut", "RecommendationPage", "RecommendationOut"} <= set(schemas)
    assert "reasons" in schemas["RecommendationOut"]["properties"]
    assert "citations" in schemas["SectionOut"]["properties"]
