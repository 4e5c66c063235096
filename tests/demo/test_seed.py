"""`flask demo seed`: a living panel with every flag of the guidance on it."""

from sqlalchemy import select

from bonecare.accounts.models import User
from bonecare.clinician.schemas import FLAG_CODES
from bonecare.demo.seed import CLINICIAN_EMAIL, PASSWORD
from bonecare.extensions import db


def test_seed_makes_a_clinic_that_raises_every_flag(app, client, clock):
    clock.set("2026-03-08T12:00:00Z")
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--patients", "15", "--days", "35"])
    assert result.exit_code == 0, result.output
    assert "seeded 15 patients" in result.output and CLINICIAN_EMAIL in result.output
    token = client.post("/api/v1/auth/login", json={"email": CLINICIAN_EMAIL, "password": PASSWORD}).json
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    rows = client.get("/api/v1/clinician/patients?limit=200", headers=headers).json["items"]
    assert len(rows) == 15
    assert len({r["patient"]["timezone"] for r in rows}) >= 5
    assert {f["code"] for r in rows for f in r["flags"]} == set(FLAG_CODES)
    scores = [r["adherence"]["score"] for r in rows]
    assert min(scores) < 50 < max(scores)


def test_seeding_twice_adds_patients_to_the_same_clinician(app, client, clock):
    clock.set("2026-03-08T12:00:00Z")
    runner = app.test_cli_runner()
    for _ in range(2):
        assert runner.invoke(args=["demo", "seed", "--patients", "2", "--days", "3"]).exit_code == 0
    token = client.post("/api/v1/auth/login", json={"email": CLINICIAN_EMAIL, "password": PASSWORD}).json
    rows = client.get("/api/v1/clinician/patients", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert len(rows.json["items"]) == 4


def test_a_seeded_patient_can_sign_in_and_read_her_adherence(app, client, clock):
    clock.set("2026-03-08T12:00:00Z")
    assert app.test_cli_runner().invoke(args=["demo", "seed", "--patients", "1", "--days", "10"]).exit_code == 0
    with app.app_context():
        email = db.session.scalar(select(User.email).where(User.role == "patient"))
    token = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json["access_token"]
    body = client.get("/api/v1/patients/me/adherence", headers={"Authorization": f"Bearer {token}"}).json
    assert body["days"] == 11 and body["logging"]["days_with_any_log"] > 0


def test_bad_options_are_refused(app):
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--patients", "0"])
    assert result.exit_code != 0 and "--patients" in result.output
