"""Assertions on versions over HTTP: the ETag a record is sent with, and the 412 a stale If-Match gets."""

from tests.problems import assert_problem


def match(version: int) -> dict:
    """The If-Match header naming this version."""
    return {"If-Match": f'"{version}"'}


def assert_tagged(response) -> int:
    """The response carries its record's version as ETag; returns the version."""
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    version = response.json["version"]
    assert response.headers["ETag"] == f'"{version}"'
    return version


def assert_stale(response, now_shown: dict | None) -> None:
    """A 412 whose `current` is the record as a GET shows it now (None: none is stored)."""
    body = assert_problem(response, 412, "precondition-failed")
    assert body["current"] == now_shown


def assert_stays_deleted(caller, url: str, body: dict) -> dict:
    """A record created at `url` with a client-made id: deleting it is a 204 twice, and a create that reuses its id
    is a 409 deleted. Returns it as created."""
    created = caller.post(url, json=body)
    assert created.status_code == 201, created.json
    item = f"{url}/{body['id']}"
    assert caller.delete(item).status_code == 204
    assert caller.delete(item).status_code == 204
    assert_problem(caller.post(url, json=body), 409, "deleted")
    return created.json
