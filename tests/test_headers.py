"""Security headers: nosniff everywhere, no-store on everything private, docs that load nothing from elsewhere."""

import re

import pytest

from tests.factories import enrol


def test_every_kind_of_response_says_nosniff(auth, client):
    patient = auth.as_patient()
    for response in (
        client.get("/healthz"),
        client.get("/api/openapi.json"),
        client.get("/api/docs"),
        client.get("/api/v1/education?audience=patient"),
        client.get("/api/v1/nothing-here"),
        client.post("/api/v1/auth/login", json={"email": "x@example.org", "password": "wrong password"}),
        patient.get("/api/v1/patients/me"),
    ):
        assert response.headers["X-Content-Type-Options"] == "nosniff", response.request.path


def test_tokens_health_data_csv_and_errors_are_no_store(auth, client):
    patient = auth.as_patient()
    clinician = auth.as_clinician()
    enrol(auth, clinician, "Ann")
    login = client.post("/api/v1/auth/login", json={"email": patient.email, "password": "correct horse battery"})
    assert "access_token" in login.json
    csv_page = clinician.client.get("/api/v1/clinician/patients", headers={**clinician.headers, "Accept": "text/csv"})
    assert csv_page.mimetype == "text/csv"
    for response in (
        login,
        csv_page,
        patient.get("/api/v1/patients/me"),
        patient.get("/api/v1/patients/me/intake"),
        patient.get("/api/v1/patients/me/today"),
        client.get("/api/v1/patients/me/intake"),
    ):
        assert response.headers["Cache-Control"] == "no-store", response.request.path


@pytest.mark.parametrize("path", ["/api/v1/education?audience=patient", "/api/openapi.json", "/api/docs"])
def test_public_catalogue_and_docs_may_be_cached(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_docs_load_only_from_this_origin_and_forbid_others(client):
    page = client.get("/api/docs")
    html = page.get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(urls) >= 3 and "swagger-ui-bundle.js" in html
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        assert client.get(url).status_code == 200, url
    assert "<script>" not in html  # no inline script, so the policy needs no 'unsafe-inline' for scripts
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "connect-src 'self'" in policy and "default-src 'none'" in policy
