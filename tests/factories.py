"""Builders: accounts signed in through the real API, and helpers to call it."""

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

    def get(self, url, **kw):
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url, json=None, **kw):
        return self.client.post(url, json=json, headers=self.headers, **kw)

    def put(self, url, json=None, **kw):
        return self.client.put(url, json=json, headers=self.headers, **kw)

    def patch(self, url, json=None, **kw):
        return self.client.patch(url, json=json, headers=self.headers, **kw)

    def delete(self, url, **kw):
        return self.client.delete(url, headers=self.headers, **kw)


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
        with self.app.app_context():
            user = service.create_user(
                db.session,
                email=email,
                password=PASSWORD,
                display_name="Dr Who",
                timezone="UTC",
                role="clinician",
                now=now(),
            )
            db.session.commit()
            user_id = str(user.id)
        clinician = Caller(self.client, user_id, email, "clinician", self.login(email))
        if patient:
            code = clinician.post("/api/v1/invitations", json={}).json["code"]
            assert patient.post("/api/v1/patients/me/care-team", json={"invitation_code": code}).status_code == 201
        return clinician

    def anonymous(self) -> Caller:
        return Caller(self.client, "", "", "anonymous")
