"""The app as a whole: health, spec, docs, and problem details for transport-level errors."""

import pytest

from tests.problems import assert_problem


def test_healthz_answers_without_auth(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_reports_the_migration(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "ready"


def test_openapi_spec_lists_the_contract(client):
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path in [
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/invitations",
        "/api/v1/patients/{pid}/care-team",
        "/api/v1/patients/{pid}",
        "/api/v1/patients/{pid}/intake",
        "/api/v1/patients/{pid}/intake/{entry_id}",
        "/api/v1/patients/{pid}/exercise",
        "/api/v1/patients/{pid}/habits/{day}",
        "/api/v1/patients/{pid}/today",
        "/api/v1/patients/{pid}/care-plan",
    ]:
        assert path in paths, path
    assert paths["/api/v1/auth/login"]["post"]["security"] == []
    assert spec["security"] == [{"bearerAuth": []}]


def test_docs_page_is_served(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"swagger" in response.data.lower()


def test_unknown_path_is_a_problem(client):
    assert_problem(client.get("/api/v1/nothing-here"), 404, "not-found")


def test_wrong_method_is_a_problem_with_allow(client):
    response = client.delete("/api/v1/auth/login")
    assert_problem(response, 405, "method-not-allowed")
    assert "POST" in response.headers["Allow"]


def test_malformed_json_is_400(client):
    response = client.post("/api/v1/auth/login", data="{not json", content_type="application/json")
    assert_problem(response, 400, "bad-request")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_non_json_body_is_415(client, content_type):
    response = client.post("/api/v1/auth/login", data="email=a", content_type=content_type)
    assert_problem(response, 415, "unsupported-media-type")


def test_body_over_64_kib_is_413(client):
    body = '{"email": "' + "a" * (65 * 1024) + '"}'
    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert_problem(response, 413, "payload-too-large")


@pytest.mark.parametrize("body", ["[]", '"text"', "null", "42"])
def test_json_that_is_not_an_object_is_422(client, body):
    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert_problem(response, 422, "validation-error", "_schema")
