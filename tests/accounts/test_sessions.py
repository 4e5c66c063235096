"""A patient's login sessions: listed with their user agent and last use, signed out one by one or all at once."""

import uuid

from tests.factories import PASSWORD, Caller
from tests.problems import assert_problem

SESSIONS = "/api/v1/auth/sessions"


def _sign_in(client, caller: Caller, user_agent: str) -> Caller:
    """Another session of the same account, from a phone with this User-Agent."""
    response = client.post(
        "/api/v1/auth/login", json={"email": caller.email, "password": PASSWORD}, headers={"User-Agent": user_agent}
    )
    assert response.status_code == 200, response.json
    return Caller(client, caller.id, caller.email, caller.role, response.json)


def _refresh(caller: Caller):
    return caller.client.post(
        "/api/v1/auth/refresh", json={}, headers={"Authorization": f"Bearer {caller.tokens['refresh_token']}"}
    )


def test_the_list_shows_each_session_its_user_agent_and_which_is_current(auth, client, clock):
    clock.set("2026-03-08T07:00:00Z")
    patient = auth.as_patient()
    clock.set("2026-03-08T08:00:00Z")
    phone = _sign_in(client, patient, "bonecare-ios/2.1 (iPhone; iOS 19.1)")
    clock.set("2026-03-08T09:00:00Z")
    tablet = _sign_in(client, patient, "bonecare-android/2.0 (Pixel 9)")
    auth.as_patient()  # someone else's sessions are not listed

    response = tablet.get(SESSIONS)
    assert response.status_code == 200
    items = response.json["items"]
    assert [item["user_agent"] for item in items] == [
        "bonecare-android/2.0 (Pixel 9)",
        "bonecare-ios/2.1 (iPhone; iOS 19.1)",
        "Werkzeug/" + items[2]["user_agent"].split("/", 1)[1],  # the test client's own first sign-in
    ]
    assert [item["current"] for item in items] == [True, False, False]
    assert items[0]["created_at"] == items[0]["last_used_at"] == "2026-03-08T09:00:00Z"
    assert [i["current"] for i in phone.get(SESSIONS).json["items"]] == [False, True, False]


def test_a_refresh_moves_last_used_at(auth, client, clock):
    clock.set("2026-03-08T08:00:00Z")
    patient = auth.as_patient()
    phone = _sign_in(client, patient, "phone")
    clock.set("2026-03-08T08:10:00Z")
    assert _refresh(phone).status_code == 200
    row = next(item for item in patient.get(SESSIONS).json["items"] if item["user_agent"] == "phone")
    assert row["created_at"] == "2026-03-08T08:00:00Z"
    assert row["last_used_at"] == "2026-03-08T08:10:00Z"


def test_signing_one_session_out_stops_its_tokens_at_once(auth, client):
    patient = auth.as_patient()
    lost_phone = _sign_in(client, patient, "lost phone")
    lost_id = next(i["id"] for i in patient.get(SESSIONS).json["items"] if i["user_agent"] == "lost phone")

    response = patient.delete(f"{SESSIONS}/{lost_id}")
    assert response.status_code == 204
    assert_problem(lost_phone.get("/api/v1/patients/me"), 401, "session-revoked")
    assert_problem(_refresh(lost_phone), 401, "session-revoked")
    assert patient.get("/api/v1/patients/me").status_code == 200  # the caller's own session goes on
    assert lost_id not in {i["id"] for i in patient.get(SESSIONS).json["items"]}
    assert_problem(patient.delete(f"{SESSIONS}/{lost_id}"), 404, "not-found")  # signed out already


def test_an_unknown_session_or_another_users_is_a_404(auth):
    patient, other = auth.as_patient(), auth.as_patient()
    assert_problem(patient.delete(f"{SESSIONS}/{uuid.uuid4()}"), 404, "not-found")
    others = other.get(SESSIONS).json["items"][0]["id"]
    assert_problem(patient.delete(f"{SESSIONS}/{others}"), 404, "not-found")
    assert other.get("/api/v1/patients/me").status_code == 200  # hers is untouched
    assert_problem(patient.delete(f"{SESSIONS}/not-a-uuid"), 404, "not-found")


def test_logout_all_signs_every_session_out(auth, client):
    patient = auth.as_patient()
    phones = [_sign_in(client, patient, f"phone {i}") for i in range(2)]
    other = auth.as_patient()

    assert phones[0].post("/api/v1/auth/logout-all").status_code == 204
    for caller in (patient, *phones):
        assert_problem(caller.get("/api/v1/patients/me"), 401, "session-revoked")
        assert_problem(_refresh(caller), 401, "session-revoked")
    assert other.get("/api/v1/patients/me").status_code == 200
    again = _sign_in(client, patient, "new phone")  # she can sign in again
    assert [i["user_agent"] for i in again.get(SESSIONS).json["items"]] == ["new phone"]


def test_the_session_endpoints_need_a_token(client):
    assert_problem(client.get(SESSIONS), 401, "token-missing")
    assert_problem(client.post("/api/v1/auth/logout-all"), 401, "token-missing")
    assert_problem(client.delete(f"{SESSIONS}/{uuid.uuid4()}"), 401, "token-missing")
