"""X-Request-Id: a client's sane id is kept, any other replaced by a fresh one, and every response carries it."""

import re

import pytest

from tests.problems import assert_problem

FRESH = re.compile(r"[0-9a-f]{32}")


def test_a_sane_id_is_honoured_and_returned(client, log_lines):
    response = client.get("/healthz", headers={"X-Request-Id": "edge-7f3a.1_B"})
    assert response.headers["X-Request-Id"] == "edge-7f3a.1_B"
    [line] = log_lines.access("/healthz")
    assert line["request_id"] == "edge-7f3a.1_B"


def test_without_one_an_id_is_made_for_each_request(client):
    first, second = (client.get("/healthz").headers["X-Request-Id"] for _ in range(2))
    assert FRESH.fullmatch(first) and FRESH.fullmatch(second) and first != second


@pytest.mark.parametrize(
    "hostile",
    ["a" * 129, "two words", '"}{"level": "ERROR', "<script>", "id\twith-tab", "ünïcode", "a/b", ""],
)
def test_a_hostile_id_is_replaced(client, log_lines, hostile):
    response = client.get("/healthz", headers={"X-Request-Id": hostile})
    made = response.headers["X-Request-Id"]
    assert FRESH.fullmatch(made)
    [line] = log_lines.access("/healthz")
    assert line["request_id"] == made
    if hostile:
        assert hostile not in log_lines.text


def test_errors_carry_the_id_too(client):
    unauthorized = client.get("/api/v1/patients/me/today", headers={"X-Request-Id": "req-401"})
    assert_problem(unauthorized, 401, "token-missing")
    assert unauthorized.headers["X-Request-Id"] == "req-401"
    missing = client.get("/no/such/path", headers={"X-Request-Id": "req-404"})
    assert missing.status_code == 404 and missing.headers["X-Request-Id"] == "req-404"


def test_a_batchs_sub_requests_log_under_the_batchs_id(auth, log_lines):
    patient = auth.as_patient()
    body = {
        "requests": [
            {"id": "a", "method": "GET", "url": "/patients/me"},
            {"id": "b", "method": "GET", "url": "/patients/me/nothing"},
        ]
    }
    response = patient.post("/api/v1/batch", json=body, headers={"X-Request-Id": "batch-1"})
    assert response.status_code == 200 and response.headers["X-Request-Id"] == "batch-1"
    lines = [line for line in log_lines.parsed() if line["logger"] == "bonecare.access"][2:]  # after sign-up, login
    assert [(line["route"], line["status"]) for line in lines] == [
        ("/api/v1/patients/<pid>", 200),
        ("<unmatched>", 404),
        ("/api/v1/batch", 200),
    ]
    assert {line["request_id"] for line in lines} == {"batch-1"}
    assert patient.get("/healthz").headers["X-Request-Id"] != "batch-1"  # the id left with its request
