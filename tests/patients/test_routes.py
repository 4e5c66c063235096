"""The profile: time zone, smoking status, quiet hours."""

import pytest

from tests.problems import assert_problem


def test_profile_of_me(auth):
    patient = auth.as_patient(timezone="Europe/Paris")
    body = patient.get("/api/v1/patients/me").json
    assert body["id"] == patient.id
    assert body["timezone"] == "Europe/Paris"
    assert body["quiet_hours"] is None and body["smoking_status"] is None
    assert body["created_at"].endswith("Z")
    assert patient.get(f"/api/v1/patients/{patient.id}").json == body


def test_patch_changes_only_what_is_sent(auth):
    patient = auth.as_patient()
    response = patient.patch(
        "/api/v1/patients/me",
        {
            "timezone": "Australia/Adelaide",
            "smoking_status": "former",
            "quiet_hours": {"start": "22:00", "end": "07:00"},
        },
    )
    assert response.status_code == 200
    assert response.json["quiet_hours"] == {"start": "22:00", "end": "07:00"}
    again = patient.patch("/api/v1/patients/me", {"display_name": "Ana B."}).json
    assert again["timezone"] == "Australia/Adelaide" and again["smoking_status"] == "former"
    assert patient.patch("/api/v1/patients/me", {"quiet_hours": None}).json["quiet_hours"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"smoking_status": "sometimes"}, "smoking_status"),
        ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "quiet_hours.start"),
        ({"quiet_hours": {"start": "22:00"}}, "quiet_hours.end"),
        ({"quiet_hours": "22-07"}, "quiet_hours"),
        ({"email": "new@example.org"}, "email"),
        ({"role": "clinician"}, "role"),
    ],
)
def test_patch_validation(auth, body, field):
    assert_problem(auth.as_patient().patch("/api/v1/patients/me", body), 422, "validation-error", field)


def test_only_the_patient_changes_her_profile(auth):
    patient = auth.as_patient()
    clinician = auth.as_clinician(patient)
    url = f"/api/v1/patients/{patient.id}"
    assert clinician.get(url).json["email"] == patient.email
    assert_problem(clinician.patch(url, {"timezone": "UTC"}), 403, "forbidden")
    assert_problem(auth.as_patient().get(url), 404, "not-found")
    assert_problem(auth.as_clinician().patch(url, {"timezone": "UTC"}), 404, "not-found")


def test_a_clinician_is_not_a_patient_record(auth):
    clinician = auth.as_clinician()
    patient = auth.as_patient()
    assert_problem(patient.get(f"/api/v1/patients/{clinician.id}"), 404, "not-found")
    assert_problem(clinician.get(f"/api/v1/patients/{clinician.id}"), 404, "not-found")


@pytest.mark.parametrize(
    "zone", ["localtime", "Factory", "posixrules", "EST5EDT", "Etc/GMT+5", "GMT", "Zulu", "US/Eastern", "UTC/Foo"]
)
def test_a_time_zone_must_be_a_place(auth, client, zone):
    assert_problem(
        auth.as_patient().patch("/api/v1/patients/me", {"timezone": zone}), 422, "validation-error", "timezone"
    )
    body = {"email": "new@example.org", "password": "a long password", "display_name": "N", "timezone": zone}
    assert_problem(client.post("/api/v1/auth/register", json=body), 422, "validation-error", "timezone")


@pytest.mark.parametrize("zone", ["UTC", "America/Argentina/Buenos_Aires", "Pacific/Chatham", "Antarctica/Troll"])
def test_places_and_utc_are_time_zones(auth, zone):
    assert auth.as_patient().patch("/api/v1/patients/me", {"timezone": zone}).json["timezone"] == zone
