"""The export of seeded clinics: every demo patient's FHIR bundle validates, and a patient with two years of logs
is exported in the same number of statements as one with a week of them (its time: bench/export_bench.py)."""

from collections import Counter
from datetime import date

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, select

from bonecare.accounts.models import User
from bonecare.demo.seed import CLINICIAN_EMAIL, PASSWORD, seed
from bonecare.exercise.models import Exercise
from bonecare.extensions import db
from bonecare.habits.models import HabitDay
from bonecare.intake.models import Intake
from tests.counting import count_statements

NOW = "2026-03-08T12:00:00Z"
FHIR = {"Accept": "application/fhir+json"}
FORMATS = (("json", {}), ("fhir", FHIR))


def _seed(app, clock, patients: int, days: int) -> list[str]:
    """A demo clinic seeded at NOW: its patients' ids."""
    clock.set(NOW)
    with app.app_context():
        seed(db.session, patients=patients, days=days, now=clock.now())
        ids = [str(i) for i in db.session.scalars(select(User.id).where(User.role == "patient"))]
    return ids


def _headers(client, email=CLINICIAN_EMAIL) -> dict:
    token = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_the_fhir_bundle_of_every_patient_of_the_demo_clinic_validates(app, client, clock):
    ids = _seed(app, clock, patients=15, days=60)  # the demo's default clinic: every scenario once
    headers = _headers(client)
    totals = Counter()
    for pid in ids:
        response = client.get(f"/api/v1/patients/{pid}/export", headers={**headers, **FHIR})
        assert response.status_code == 200 and response.mimetype == "application/fhir+json"
        bundle = Bundle.model_validate_json(response.get_data())
        kinds = Counter(entry.resource.get_resource_type() for entry in bundle.entry)
        assert kinds["Patient"] == 1 and kinds["CarePlan"] == 1 and kinds["Observation"] > 60, kinds
        totals += kinds
    assert set(totals) == {"Patient", "Observation", "Appointment", "CarePlan", "MedicationStatement"}
    assert client.get(f"/api/v1/patients/{ids[0]}/export", headers=headers).status_code == 200


def test_two_years_of_logs_export_in_as_many_statements_as_a_week(app, client, clock):
    [pid] = _seed(app, clock, patients=1, days=730)
    with app.app_context():
        records = sum(
            db.session.scalar(select(func.count()).select_from(model)) for model in (Intake, Exercise, HabitDay)
        )
    assert records > 4000
    headers = _headers(client)
    url = f"/api/v1/patients/{pid}/export"
    assert len(client.get(url, headers=headers).json["intake"]) > 2500
    big = _statements(app, client, url, headers)
    with app.app_context():  # all but a week of her logs
        for model in (Intake, Exercise, HabitDay):
            db.session.execute(model.__table__.delete().where(model.local_date < date(2026, 3, 1)))
        db.session.commit()
    assert _statements(app, client, url, headers) == big


def _statements(app, client, url: str, headers: dict) -> dict:
    """The statements of each export, JSON and FHIR."""
    return {name: count_statements(app, lambda h=h: client.get(url, headers={**headers, **h})) for name, h in FORMATS}
