"""Every operation of the OpenAPI spec, called by anyone, the patient, another patient, her clinician and another
clinician, on the patient's real records: who gets in, and who gets a 401, a 403 or a 404."""

from dataclasses import dataclass

import pytest

from tests import world as w
from tests.problems import assert_problem

ACTORS = ("anonymous", "patient", "other_patient", "clinician", "other_clinician")
P = w.PATIENT
A = w.API


@dataclass(frozen=True)
class Row:
    """The expected answer of one operation to each actor ("2xx" or a status), and how to call it."""

    expect: tuple[str, str, str, str, str]
    token: str = "access"  # or "refresh"
    body: object = None  # None, a dict, or a function of (world, actor) giving the body


def row(expect: str, **kw) -> Row:
    return Row(tuple(expect.split()), **kw)  # type: ignore[arg-type]


#                           anonymous patient other-patient clinician other-clinician
PUBLIC = "2xx 2xx 2xx 2xx 2xx"
SIGNED_IN = "401 2xx 2xx 2xx 2xx"
CLINICIANS = "401 403 403 2xx 2xx"
PATIENT_ONLY = "401 2xx 404 403 404"  # the patient reads and writes; her clinician sees it but may not act
SHARED = "401 2xx 404 2xx 404"  # the patient and her care team
CLINICIAN_WRITES = "401 403 404 2xx 404"
OWN_SESSION = "401 2xx 404 404 404"  # one's own session; anyone else's is a 404


def _new_patient(world, actor):
    return {
        "email": f"new-{actor}-{w.uuid.uuid4().hex[:6]}@example.org",
        "password": w.PASSWORD,
        "display_name": "New",
        "timezone": "UTC",
    }


def _create(path):
    return lambda world, actor: w.body_for(path, world)


def _batch(world, actor):
    """A batch reading the patient's profile: every signed-in caller gets in (200); the sub-request answers as that
    path alone would, 200 for the patient and her clinician, 404 for the others (tests/test_batch.py)."""
    return {"requests": [{"id": "profile", "method": "GET", "url": f"/patients/{world.patient.id}"}]}


EXPECTATIONS: dict[tuple[str, str], Row] = {
    ("GET", "/healthz"): row(PUBLIC),
    ("GET", "/readyz"): row(PUBLIC),
    ("POST", f"{A}/auth/register"): row(PUBLIC, body=_new_patient),
    ("POST", f"{A}/auth/login"): row(
        PUBLIC, body=lambda world, actor: {"email": world.patient.email, "password": w.PASSWORD}
    ),
    ("POST", f"{A}/auth/refresh"): row(SIGNED_IN, token="refresh", body={}),
    ("POST", f"{A}/auth/logout"): row(SIGNED_IN),
    ("GET", f"{A}/auth/sessions"): row(SIGNED_IN),
    ("DELETE", f"{A}/auth/sessions/{{session_id}}"): row(OWN_SESSION),  # a second session of the patient's
    ("POST", f"{A}/auth/logout-all"): row(SIGNED_IN),
    ("POST", f"{A}/auth/password"): row(
        SIGNED_IN, body={"current_password": w.PASSWORD, "new_password": "a brand new passphrase"}
    ),
    ("POST", f"{A}/auth/password/forgot"): row(PUBLIC, body=lambda world, actor: {"email": world.patient.email}),
    ("POST", f"{A}/auth/password/reset"): row(
        PUBLIC, body=lambda world, actor: {"token": world.reset_token(), "new_password": f"new passphrase {actor}"}
    ),
    ("POST", f"{A}/invitations"): row(CLINICIANS, body={}),
    ("POST", f"{A}/batch"): row(SIGNED_IN, body=_batch),
    ("GET", f"{A}/education"): row(PUBLIC),
    ("GET", f"{A}/education/{{slug}}"): row(PUBLIC),
    ("GET", f"{P}"): row(SHARED),
    ("PATCH", f"{P}"): row(PATIENT_ONLY, body={"display_name": "Pat B."}),
    ("DELETE", f"{P}"): row(PATIENT_ONLY, body={"password": w.PASSWORD}),
    ("GET", f"{P}/care-team"): row(PATIENT_ONLY),
    ("POST", f"{P}/care-team"): row(
        PATIENT_ONLY, body=lambda world, actor: {"invitation_code": world.invitation(world.other_clinician)}
    ),
    ("DELETE", f"{P}/care-team/{{clinician_id}}"): row(PATIENT_ONLY),
    ("GET", f"{P}/today"): row(SHARED),
    ("GET", f"{P}/adherence"): row(SHARED),
    ("GET", f"{P}/assessment"): row(SHARED),
    ("GET", f"{P}/report"): row(SHARED),
    ("GET", f"{P}/education/recommended"): row(SHARED),
    ("GET", f"{P}/care-plan"): row(SHARED),
    ("PUT", f"{P}/care-plan"): row(
        CLINICIAN_WRITES,
        body={
            "calcium_mg_min": 1000,
            "calcium_mg_max": 1200,
            "vitamin_d_iu_min": 800,
            "vitamin_d_iu_max": 1000,
            "alcohol_drinks_per_week_max": 7,
            "exercise_weekly": {k: {"minutes": 60} for k in ("balance", "flexibility", "endurance", "resistance")},
        },
    ),
    ("GET", f"{P}/habits"): row(SHARED),
    ("GET", f"{P}/habits/{{day}}"): row(SHARED),
    ("PUT", f"{P}/habits/{{day}}"): row(PATIENT_ONLY, body=_create(f"{P}/habits/{{day}}")),
    ("DELETE", f"{P}/habits/{{day}}"): row(PATIENT_ONLY),
    **{
        key: value
        for log in ("intake", "exercise")
        for key, value in {
            ("GET", f"{P}/{log}"): row(SHARED),
            ("POST", f"{P}/{log}"): row(PATIENT_ONLY, body=_create(f"{P}/{log}")),
            ("GET", f"{P}/{log}/{{entry_id}}"): row(SHARED),
            ("PATCH", f"{P}/{log}/{{entry_id}}"): row(PATIENT_ONLY, body={"note": "after lunch"}),
            ("DELETE", f"{P}/{log}/{{entry_id}}"): row(PATIENT_ONLY),
        }.items()
    },
    ("GET", f"{P}/reminders"): row(SHARED),
    ("POST", f"{P}/reminders"): row(PATIENT_ONLY, body=_create(f"{P}/reminders")),
    ("PATCH", f"{P}/reminders/{{reminder_id}}"): row(PATIENT_ONLY, body={"enabled": False}),
    ("DELETE", f"{P}/reminders/{{reminder_id}}"): row(PATIENT_ONLY),
    ("POST", f"{P}/devices"): row(PATIENT_ONLY, body=_create(f"{P}/devices")),
    ("GET", f"{P}/devices"): row(SHARED),
    ("PUT", f"{P}/devices/{{installation_id}}"): row(PATIENT_ONLY, body=_create(f"{P}/devices")),
    ("DELETE", f"{P}/devices/{{installation_id}}"): row(PATIENT_ONLY),
    ("GET", f"{P}/notifications"): row(SHARED),
    ("GET", f"{P}/changes"): row(SHARED),
    ("GET", f"{P}/export"): row(SHARED),
    ("POST", f"{P}/notifications/{{notification_id}}/actions"): row(PATIENT_ONLY, body={"action": "opened"}),
    ("GET", f"{P}/dxa/appointments"): row(SHARED),
    ("POST", f"{P}/dxa/appointments"): row(CLINICIAN_WRITES, body=_create(f"{P}/dxa/appointments")),
    ("GET", f"{P}/dxa/appointments/{{appointment_id}}"): row(SHARED),
    ("PATCH", f"{P}/dxa/appointments/{{appointment_id}}"): row(CLINICIAN_WRITES, body={"location": "Clinic B"}),
    ("DELETE", f"{P}/dxa/appointments/{{appointment_id}}"): row(CLINICIAN_WRITES),
    ("GET", f"{P}/dxa/results"): row(SHARED),
    ("POST", f"{P}/dxa/results"): row(CLINICIAN_WRITES, body=_create(f"{P}/dxa/results")),
    ("GET", f"{P}/labs"): row(SHARED),
    ("GET", f"{P}/access-log"): row(PATIENT_ONLY),
    ("GET", f"{A}/clinician/patients"): row(CLINICIANS),
    ("POST", f"{P}/labs"): row(CLINICIAN_WRITES, body=_create(f"{P}/labs")),
    ("GET", f"{P}/treatments"): row(SHARED),
    ("POST", f"{P}/treatments"): row(CLINICIAN_WRITES, body=_create(f"{P}/treatments")),
    ("PATCH", f"{P}/treatments/{{treatment_id}}"): row(CLINICIAN_WRITES, body={"note": "tolerating well"}),
}


def _operations(spec) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_every_operation_of_the_spec_has_a_row_and_every_row_an_operation(spec):
    operations = _operations(spec)
    assert sorted(operations - EXPECTATIONS.keys()) == [], "operations without a row in EXPECTATIONS"
    assert sorted(EXPECTATIONS.keys() - operations) == [], "rows naming no operation of the spec"


@pytest.mark.parametrize("method,path", sorted(EXPECTATIONS), ids=lambda v: v)
def test_who_may_call_each_operation(client, world, spec, method, path):
    if path not in spec["paths"]:
        pytest.skip("not in the spec (the row test says so)")
    expected = dict(zip(ACTORS, EXPECTATIONS[method, path].expect, strict=True))
    spec_op = spec["paths"][path][method.lower()]
    assert (spec_op.get("security") == []) == (expected["anonymous"] == "2xx"), "the spec's security is wrong"
    url = world.url(path)
    # Callers expected to fail go first, so that a delete by the one who may delete comes last.
    order = sorted(ACTORS, key=lambda actor: expected[actor] == "2xx")
    got = {actor: _call(client, world, actor, method, url, EXPECTATIONS[method, path]) for actor in order}
    for actor in order:
        response = got[actor]
        if expected[actor] == "2xx":
            assert 200 <= response.status_code < 300, (actor, response.status_code, response.get_json())
        else:
            assert_problem(response, int(expected[actor]), _SLUG[int(expected[actor])])


_SLUG = {401: "token-missing", 403: "forbidden", 404: "not-found"}


def _call(client, world, actor, method, url, spec_row: Row):
    account = None if actor == "anonymous" else getattr(world, actor)
    token = None if account is None else getattr(account, spec_row.token)
    body = spec_row.body(world, actor) if callable(spec_row.body) else spec_row.body
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open(url, method=method, json=body, headers=headers)


@pytest.mark.parametrize("path", sorted(path for method, path in EXPECTATIONS if method == "GET"), ids=lambda v: v)
def test_head_is_answered_as_its_get(client, world, spec, path):
    """A HEAD takes the GET's token check and status, and carries no body."""
    expected = dict(zip(ACTORS, EXPECTATIONS["GET", path].expect, strict=True))
    url = world.url(path)
    for actor in ACTORS:
        response = _call(client, world, actor, "HEAD", url, EXPECTATIONS["GET", path])
        assert response.get_data() == b"", (actor, path)
        if expected[actor] == "2xx":
            assert 200 <= response.status_code < 300, (actor, response.status_code)
        else:
            assert response.status_code == int(expected[actor]), (actor, response.status_code)
            assert response.mimetype == "application/problem+json"
