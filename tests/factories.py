"""Builders: accounts signed in through the real API, care teams, and the logs a patient makes through it."""

import itertools
from dataclasses import dataclass, field

from bonecare.accounts import service
from bonecare.clock import now
from bonecare.extensions import db

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


@dataclass
class Caller:
    """An API client acting as one signed-in user."""

    client: object
    id: str
    email: str
    role: str
    tokens: dict = field(default_factory=dict)

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.tokens['access_token']}"} if self.tokens else {}

    def send(self, method: str, url, headers=None, **kw):
        """A request with this caller's token, and any further headers (If-Match)."""
        return self.client.open(url, method=method, headers={**self.headers, **(headers or {})}, **kw)

    def get(self, url, **kw):
        return self.send("GET", url, **kw)

    def post(self, url, json=None, **kw):
        return self.send("POST", url, json=json, **kw)

    def put(self, url, json=None, **kw):
        return self.send("PUT", url, json=json, **kw)

    def patch(self, url, json=None, **kw):
        return self.send("PATCH", url, json=json, **kw)

    def delete(self, url, **kw):
        return self.send("DELETE", url, **kw)


class Actors:
    """Makes patients and clinicians, signed in."""

    def __init__(self, app, client):
        self.app = app
        self.client = client

    def login(self, email: str, password: str = PASSWORD) -> dict:
        response = self.client.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.json
        return response.json

    def as_patient(self, timezone: str = "Europe/London", invitation_code: str | None = None) -> Caller:
        email = f"patient{next(_seq)}@example.org"
        body = {"email": email, "password": PASSWORD, "display_name": "Pat", "timezone": timezone}
        if invitation_code:
            body["invitation_code"] = invitation_code
        response = self.client.post("/api/v1/auth/register", json=body)
        assert response.status_code == 201, response.json
        return Caller(self.client, response.json["id"], email, "patient", self.login(email))

    def as_clinician(self, patient: Caller | None = None) -> Caller:
        """A clinician; with a patient, one on her care team."""
        email = f"clinician{next(_seq)}@example.org"
        clinician = Caller(self.client, self.make_clinician(email), email, "clinician", self.login(email))
        if patient:
            join_care_team(patient, clinician)
        return clinician

    def make_clinician(self, email: str, password: str = PASSWORD) -> str:
        """A clinician account (the command line's way: the API makes none); answers its id."""
        with self.app.app_context():
            user = service.create_user(
                db.session,
                email=email,
                password=password,
                display_name="Dr Who",
                timezone="UTC",
                role="clinician",
                now=now(),
            )
            db.session.commit()
            return str(user.id)

    def care_team(self, timezone: str = "Europe/London") -> tuple[Caller, Caller]:
        """A patient in this zone and a clinician on her care team."""
        patient = self.as_patient(timezone=timezone)
        return patient, self.as_clinician(patient=patient)

    def anonymous(self) -> Caller:
        return Caller(self.client, "", "", "anonymous")


def join_care_team(patient: Caller, clinician: Caller) -> None:
    """The patient adds the clinician to her care team with his invitation code."""
    code = clinician.post("/api/v1/invitations", json={}).json["code"]
    assert patient.post("/api/v1/patients/me/care-team", json={"invitation_code": code}).status_code == 201


def enrol(auth: Actors, clinician: Caller, name: str, timezone="Europe/London", calcium=1000, vitamin_d=800) -> Caller:
    """A patient on the clinician's care team, named, who logged intake on 2026-03-08 (unless both are 0)."""
    patient = auth.as_patient(timezone=timezone)
    join_care_team(patient, clinician)
    assert patient.patch("/api/v1/patients/me", json={"display_name": name}).status_code == 200
    if calcium or vitamin_d:
        log_intake(patient, "2026-03-08T09:00:00Z", calcium=calcium, vitamin_d=vitamin_d)
    return patient


def log_intake(patient: Caller, taken_at: str, calcium: float = 0, vitamin_d: float = 0) -> dict:
    """A supplement logged by the patient; returns the stored entry."""
    body = {"taken_at": taken_at, "calcium_mg": calcium, "vitamin_d_iu": vitamin_d, "source": "supplement"}
    response = patient.post("/api/v1/patients/me/intake", json=body)
    assert response.status_code == 201, response.json
    return response.json


def log_exercise(patient: Caller, started_at: str, kind: str, minutes: int) -> dict:
    """An exercise session logged by the patient; returns the stored entry."""
    body = {"started_at": started_at, "kind": kind, "duration_min": minutes}
    response = patient.post("/api/v1/patients/me/exercise", json=body)
    assert response.status_code == 201, response.json
    return response.json


def log_habits(patient: Caller, day: str, cigarettes: int = 0, drinks: float = 0) -> dict:
    """The patient's record of one local day (made or replaced); returns it."""
    response = patient.put(
        f"/api/v1/patients/me/habits/{day}", json={"cigarettes": cigarettes, "alcohol_drinks": drinks}
    )
    assert response.status_code in (200, 201), response.json
    return response.json
