"""Registration, sign-in, token rotation and revocation, invitations and care teams."""

import concurrent.futures
import time
from datetime import timedelta

import jwt
import pytest

from tests.factories import PASSWORD
from tests.problems import assert_problem

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"


def _register(client, **overrides):
    body = {"email": "ana@example.org", "password": PASSWORD, "display_name": "Ana", "timezone": "Europe/Lisbon"}
    body.update(overrides)
    return client.post(REGISTER, json=body)


def test_register_creates_a_patient(client):
    response = _register(client, email="Ana@Example.org ")
    assert response.status_code == 201
    body = response.json
    assert body["role"] == "patient"
    assert body["email"] == "ana@example.org"
    assert body["timezone"] == "Europe/Lisbon"
    assert "password" not in body and "password_hash" not in body


def test_duplicate_email_is_409_whatever_the_case(client):
    assert _register(client).status_code == 201
    assert_problem(_register(client, email="ANA@example.org"), 409, "conflict")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("password", "short"),
        ("email", "not-an-email"),
        ("timezone", "Mars/Olympus"),
        ("timezone", "../../etc/passwd"),
        ("display_name", ""),
        ("display_name", 42),
        ("invitation_code", ""),
    ],
)
def test_register_validation(client, field, value):
    assert_problem(_register(client, **{field: value}), 422, "validation-error", field)


def test_register_rejects_unknown_fields(client):
    assert_problem(_register(client, role="clinician"), 422, "validation-error", "role")


def test_register_rejects_missing_fields(client):
    assert_problem(client.post(REGISTER, json={}), 422, "validation-error", "email")


def test_login_returns_a_token_pair(client):
    _register(client)
    response = client.post(LOGIN, json={"email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 200
    assert response.json["token_type"] == "Bearer"
    assert response.json["expires_in"] == 15 * 60
    assert response.json["access_token"] != response.json["refresh_token"]


def test_wrong_password_and_unknown_email_get_the_same_answer(client):
    _register(client)
    wrong = client.post(LOGIN, json={"email": "ana@example.org", "password": "wrong password!"})
    unknown = client.post(LOGIN, json={"email": "nobody@example.org", "password": PASSWORD})
    assert_problem(wrong, 401, "unauthorized")
    assert_problem(unknown, 401, "unauthorized")
    assert wrong.json == unknown.json


def test_missing_and_garbage_tokens_are_told_apart(client):
    missing = client.get("/api/v1/patients/me")
    assert_problem(missing, 401, "token-missing")
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    garbage = client.get("/api/v1/patients/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert_problem(garbage, 401, "token-invalid")
    assert garbage.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_an_expired_access_token_is_the_one_401_a_client_refreshes_on(app, auth):
    patient = auth.as_patient()
    app.config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(seconds=-1)
    try:
        stale = auth.login(patient.email)
    finally:
        app.config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(minutes=15)
    response = patient.client.get("/api/v1/patients/me", headers={"Authorization": f"Bearer {stale['access_token']}"})
    assert_problem(response, 401, "token-expired")
    assert _refresh(patient.client, stale["refresh_token"]).status_code == 200  # and refreshing works


def test_a_token_that_served_stops_serving_when_it_expires(app, auth):
    # A checked token is remembered (for speed): its expiry is still checked at every use.
    patient = auth.as_patient()
    app.config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(seconds=2)
    try:
        token = auth.login(patient.email)["access_token"]
    finally:
        app.config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(minutes=15)
    headers = {"Authorization": f"Bearer {token}"}
    assert patient.client.get("/api/v1/patients/me", headers=headers).status_code == 200
    time.sleep(2.1)
    assert_problem(patient.client.get("/api/v1/patients/me", headers=headers), 401, "token-expired")


def _refresh(client, token):
    return client.post(REFRESH, json={}, headers={"Authorization": f"Bearer {token}"})


def _jti(token: str) -> str:
    return jwt.decode(token, options={"verify_signature": False})["jti"]


def _reads(client, tokens) -> int:
    return client.get("/api/v1/patients/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code


def test_refresh_rotates_and_the_new_pair_works(client, auth):
    patient = auth.as_patient()
    first = patient.tokens["refresh_token"]
    rotated = _refresh(client, first)
    assert rotated.status_code == 200
    assert rotated.json["refresh_token"] != first
    assert _reads(client, rotated.json) == 200
    assert _refresh(client, rotated.json["refresh_token"]).status_code == 200


def test_a_retried_refresh_inside_the_grace_window_keeps_the_session(client, auth, clock):
    clock.set("2026-03-08T12:00:00Z")
    patient = auth.as_patient()
    first = patient.tokens["refresh_token"]
    lost = _refresh(client, first).json  # the phone never saw this answer
    clock.set("2026-03-08T12:00:59Z")
    retried = _refresh(client, first)
    assert retried.status_code == 200
    assert _reads(client, retried.json) == 200 and _reads(client, lost) == 200
    # Both answers carry the session's current refresh token: either one rotates it next.
    assert _refresh(client, retried.json["refresh_token"]).status_code == 200


def test_reusing_a_spent_refresh_token_after_the_grace_window_revokes_the_whole_session(client, auth, clock):
    clock.set("2026-03-08T12:00:00Z")
    patient = auth.as_patient()
    first = patient.tokens["refresh_token"]
    second = _refresh(client, first).json
    clock.set("2026-03-08T12:01:01Z")
    assert_problem(_refresh(client, first), 401, "session-revoked")  # theft suspected
    assert_problem(_refresh(client, second["refresh_token"]), 401, "session-revoked")
    stolen = {"Authorization": f"Bearer {second['access_token']}"}
    assert_problem(client.get("/api/v1/patients/me", headers=stolen), 401, "session-revoked")


def test_a_token_spent_two_rotations_ago_revokes_even_inside_the_window(client, auth, clock):
    clock.set("2026-03-08T12:00:00Z")
    patient = auth.as_patient()
    first = patient.tokens["refresh_token"]
    second = _refresh(client, first).json
    _refresh(client, second["refresh_token"])
    assert_problem(_refresh(client, first), 401, "session-revoked")


def test_an_access_token_cannot_refresh(client, auth):
    patient = auth.as_patient()
    assert_problem(_refresh(client, patient.tokens["access_token"]), 401, "token-invalid")


def test_a_refresh_token_cannot_read_records(client, auth):
    patient = auth.as_patient()
    headers = {"Authorization": f"Bearer {patient.tokens['refresh_token']}"}
    assert_problem(client.get("/api/v1/patients/me", headers=headers), 401, "token-invalid")


def test_logout_revokes_access_and_refresh_tokens(client, auth):
    patient = auth.as_patient()
    assert patient.post(LOGOUT).status_code == 204
    assert_problem(patient.get("/api/v1/patients/me"), 401, "session-revoked")
    assert_problem(_refresh(client, patient.tokens["refresh_token"]), 401, "session-revoked")


def test_logout_ends_only_that_session(client, auth):
    patient = auth.as_patient()
    other_session = auth.login(patient.email)
    patient.post(LOGOUT)
    headers = {"Authorization": f"Bearer {other_session['access_token']}"}
    assert client.get("/api/v1/patients/me", headers=headers).status_code == 200


def test_invitations_are_for_clinicians(auth):
    patient = auth.as_patient()
    assert_problem(patient.post("/api/v1/invitations", json={}), 403, "forbidden")
    response = auth.as_clinician().post("/api/v1/invitations", json={})
    assert response.status_code == 201
    assert len(response.json["code"]) == 10
    assert response.json["expires_at"].endswith("Z")


def test_register_with_invitation_puts_the_clinician_on_the_care_team(client, auth):
    clinician = auth.as_clinician()
    code = clinician.post("/api/v1/invitations", json={}).json["code"]
    patient = auth.as_patient(invitation_code=code.lower())
    team = patient.get("/api/v1/patients/me/care-team").json
    assert [m["id"] for m in team["items"]] == [clinician.id]
    assert team["next_cursor"] is None
    assert clinician.get(f"/api/v1/patients/{patient.id}").status_code == 200


def test_invitation_code_is_single_use(auth):
    clinician = auth.as_clinician()
    code = clinician.post("/api/v1/invitations", json={}).json["code"]
    first, second = auth.as_patient(), auth.as_patient()
    assert first.post("/api/v1/patients/me/care-team", json={"invitation_code": code}).status_code == 201
    response = second.post("/api/v1/patients/me/care-team", json={"invitation_code": code})
    assert_problem(response, 422, "validation-error", "invitation_code")
    assert clinician.get(f"/api/v1/patients/{second.id}").status_code == 404


def test_invitation_expires_after_14_days(auth, clock):
    clinician = auth.as_clinician()
    clock.set("2026-01-01T00:00:00+00:00")
    code = clinician.post("/api/v1/invitations", json={}).json["code"]
    clock.set("2026-01-15T00:00:01+00:00")
    patient = auth.as_patient()
    response = patient.post("/api/v1/patients/me/care-team", json={"invitation_code": code})
    assert_problem(response, 422, "validation-error", "invitation_code")


def test_register_with_a_bad_code_stores_nothing(client):
    response = _register(client, invitation_code="NOPE123456")
    assert_problem(response, 422, "validation-error", "invitation_code")
    assert _register(client).status_code == 201  # the email was not taken by the failed attempt


def test_removing_a_clinician_ends_access_at_once(auth):
    patient = auth.as_patient()
    clinician = auth.as_clinician(patient)
    assert clinician.get(f"/api/v1/patients/{patient.id}/intake").status_code == 200
    assert patient.delete(f"/api/v1/patients/me/care-team/{clinician.id}").status_code == 204
    assert_problem(clinician.get(f"/api/v1/patients/{patient.id}/intake"), 404, "not-found")
    assert_problem(patient.delete(f"/api/v1/patients/me/care-team/{clinician.id}"), 404, "not-found")


def test_care_team_is_the_patients_own_business(auth):
    patient = auth.as_patient()
    clinician = auth.as_clinician(patient)
    stranger = auth.as_patient()
    assert_problem(clinician.get(f"/api/v1/patients/{patient.id}/care-team"), 403, "forbidden")
    assert_problem(stranger.get(f"/api/v1/patients/{patient.id}/care-team"), 404, "not-found")


def test_login_is_rate_limited_with_retry_after(app, client):
    app.config["BONECARE_AUTH_RATE_LIMIT"] = "3 per minute"
    try:
        answers = [client.post(LOGIN, json={"email": "x@example.org", "password": "whatever!!"}) for _ in range(4)]
    finally:
        app.config["BONECARE_AUTH_RATE_LIMIT"] = "1000 per minute"
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert_problem(answers[-1], 429, "rate-limited")
    assert int(answers[-1].headers["Retry-After"]) > 0


def test_register_is_rate_limited(app, client):
    app.config["BONECARE_AUTH_RATE_LIMIT"] = "2 per minute"
    try:
        answers = [_register(client, email=f"p{i}@example.org") for i in range(3)]
    finally:
        app.config["BONECARE_AUTH_RATE_LIMIT"] = "1000 per minute"
    assert [a.status_code for a in answers] == [201, 201, 429]


def test_racing_refreshes_with_one_token_all_keep_the_session(app, auth):
    """Four refreshes at once with one token (an app resuming on several screens): one rotates, the others are
    inside the grace window; every answer is a working pair of the same session."""
    patient = auth.as_patient()
    token = patient.tokens["refresh_token"]

    def attempt(_):
        return _refresh(app.test_client(), token)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(attempt, range(4)))
    assert [a.status_code for a in answers] == [200] * 4
    # One rotation happened; the others got the new refresh token minted anew: one token id for all four.
    assert len({_jti(a.json["refresh_token"]) for a in answers}) == 1
    assert all(_reads(app.test_client(), a.json) == 200 for a in answers)
