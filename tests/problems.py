"""Assertions on RFC 9457 problem details."""

from bonecare.errors import PROBLEM_TYPE_BASE


def assert_problem(response, status: int, type_: str, field: str | None = None) -> dict:
    """The response is a problem+json of this status and type (and names this field, for a 422)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"] == PROBLEM_TYPE_BASE + type_
    assert body["status"] == status
    assert body["title"] and body["detail"]
    if field:
        assert field in body["errors"], body
    return body
