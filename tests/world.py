"""A small world of real records made through the API, shared by the fuzz runner, the benchmark and the
authorization matrix: a patient with one record of each kind, her clinician, another patient and another
clinician, and the values that make every path of the spec resolve."""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

PASSWORD = "correct horse battery"  # noqa: S105 - the test accounts' password
API = "/api/v1"
PATIENT = f"{API}/patients/{{pid}}"

# call(method, path, token, json) -> (status, parsed JSON body or None)
Call = Callable[[str, str, str | None, dict | None], tuple[int, object]]
# make_clinician(email, password) -> her id: clinicians come from the CLI, never from the API
MakeClinician = Callable[[str, str], str]


@dataclass
class Account:
    """One signed-in user."""

    id: str
    email: str
    role: str
    access: str = ""
    refresh: str = ""


@dataclass
class World:
    """The accounts, and the id of one stored record for each item path of the spec."""

    call: Call
    patient: Account
    clinician: Account
    other_patient: Account
    other_clinician: Account
    today: date
    ids: dict[str, str] = field(default_factory=dict)  # collection path -> the id of one record in it

    def path_values(self, path: str) -> dict[str, str]:
        """Real values for every {param} of a spec path (the patient's own id for {pid})."""
        values = {}
        for name in re.findall(r"{(\w+)}", path):
            if name == "pid":
                values[name] = self.patient.id
            elif name == "clinician_id":
                values[name] = self.clinician.id
            elif name == "day":
                values[name] = self.today.isoformat()
            elif name == "slug":
                values[name] = self.ids["slug"]
            else:
                collection = path[: path.index("{" + name + "}")].rstrip("/")
                if collection not in self.ids:
                    raise KeyError(f"no record seeded for {path}: add a seed to tests/world.py SEEDS")
                values[name] = self.ids[collection]
        return values

    def url(self, path: str) -> str:
        """The spec path with its parameters filled in."""
        return path.format(**self.path_values(path))

    def invitation(self, clinician: Account) -> str:
        """A fresh invitation code from this clinician."""
        status, body = self.call("POST", f"{API}/invitations", clinician.access, {})
        assert status == 201, (status, body)
        return body["code"]


def now_iso(minutes_ago: int = 60) -> str:
    """An instant a little in the past, as the API takes it."""
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")


def body_for(path: str, world: "World") -> dict:
    """A valid body for creating one record in this collection (`id`-less, so each call makes a new one)."""
    today = world.today
    bodies = {
        f"{PATIENT}/intake": {"taken_at": now_iso(), "calcium_mg": 500, "vitamin_d_iu": 400, "source": "supplement"},
        f"{PATIENT}/exercise": {"started_at": now_iso(), "duration_min": 30, "kind": "balance"},
        f"{PATIENT}/habits/{{day}}": {"cigarettes": 0, "alcohol_drinks": 1.5},
        f"{PATIENT}/reminders": {"kind": "supplement", "time_of_day": "08:00", "enabled": True},
        f"{PATIENT}/devices": {"platform": "fcm", "token": f"fcm-{uuid.uuid4().hex}"},
        f"{PATIENT}/dxa/results": {"performed_on": (today - timedelta(days=30)).isoformat(), "lumbar_spine_t": -1.8},
        f"{PATIENT}/dxa/appointments": {"scheduled_for": (today + timedelta(days=400)).isoformat()},
        f"{PATIENT}/labs": {"measured_on": today.isoformat(), "value": 70, "unit": "nmol/L"},
        f"{PATIENT}/treatments": {
            "agent": "denosumab",
            "started_on": (today - timedelta(days=90)).isoformat(),
            "last_dose_on": (today - timedelta(days=90)).isoformat(),
        },
    }
    return bodies[path]


# (collection path, who writes it): one record of each is made for the patient, in this order.
SEEDS = [
    (f"{PATIENT}/intake", "patient"),
    (f"{PATIENT}/exercise", "patient"),
    (f"{PATIENT}/reminders", "patient"),
    (f"{PATIENT}/devices", "patient"),
    (f"{PATIENT}/dxa/results", "clinician"),
    (f"{PATIENT}/dxa/appointments", "clinician"),
    (f"{PATIENT}/labs", "clinician"),
    (f"{PATIENT}/treatments", "clinician"),
]


def login(call: Call, account: Account, password: str = PASSWORD) -> Account:
    """Sign the account in; its tokens are stored on it."""
    status, body = call("POST", f"{API}/auth/login", None, {"email": account.email, "password": password})
    assert status == 200, (status, body)
    account.access, account.refresh = body["access_token"], body["refresh_token"]
    return account


def register(call: Call, email: str, invitation_code: str | None = None, timezone: str = "Europe/London") -> Account:
    """A new patient, signed in."""
    body = {"email": email, "password": PASSWORD, "display_name": "Pat", "timezone": timezone}
    if invitation_code:
        body["invitation_code"] = invitation_code
    status, out = call("POST", f"{API}/auth/register", None, body)
    assert status == 201, (status, out)
    return login(call, Account(out["id"], email, "patient"))


def clinician(call: Call, make_clinician: MakeClinician, email: str) -> Account:
    """A new clinician made the way the contract says (the CLI), signed in."""
    return login(call, Account(make_clinician(email, PASSWORD), email, "clinician"))


def build(call: Call, make_clinician: MakeClinician, spec_paths: set[str] | None = None, tag: str = "") -> World:
    """Accounts on two care teams, and one of each record the spec has a collection for."""
    tag = tag or uuid.uuid4().hex[:8]
    her_clinician = clinician(call, make_clinician, f"clinician-{tag}@example.org")
    other_clinician = clinician(call, make_clinician, f"other-clinician-{tag}@example.org")
    world = World(call, None, her_clinician, None, other_clinician, today=datetime.now(UTC).date())  # type: ignore[arg-type]
    world.patient = register(call, f"patient-{tag}@example.org", world.invitation(her_clinician), timezone="UTC")
    world.other_patient = register(call, f"other-patient-{tag}@example.org", world.invitation(other_clinician))
    writers = {"patient": world.patient, "clinician": world.clinician}
    for path, writer in SEEDS:
        if spec_paths is not None and path not in spec_paths:
            continue  # that endpoint has not landed yet
        status, body = call("POST", world.url(path), writers[writer].access, body_for(path, world))
        assert status == 201, (path, status, body)
        world.ids[path] = body["id"]
    notifications = f"{PATIENT}/notifications"
    if f"{notifications}/{{notification_id}}/actions" in (spec_paths or ()):  # one the seeded reminder planned
        status, body = call("GET", world.url(notifications), world.patient.access, None)
        assert status == 200 and body["items"], (status, body)
        world.ids[notifications] = body["items"][0]["id"]
    sessions = f"{API}/auth/sessions"
    if sessions in (spec_paths or ()):  # a second session of hers, to sign out
        spare = login(call, Account(world.patient.id, world.patient.email, "patient"))
        status, body = call("GET", sessions, spare.access, None)
        assert status == 200, (status, body)
        world.ids[sessions] = next(item["id"] for item in body["items"] if item["current"])
    day = f"{PATIENT}/habits/{{day}}"
    status, body = call("PUT", world.url(day), world.patient.access, body_for(day, world))
    assert status in (200, 201), (status, body)
    status, body = call("GET", f"{API}/education?audience=patient", None, None)
    if status == 200 and body["items"]:
        world.ids["slug"] = body["items"][0]["slug"]
    return world
