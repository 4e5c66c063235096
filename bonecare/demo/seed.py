"""A realistic demo clinic: a clinician, patients across time zones, logs of varied adherence, and DXA
results and labs chosen so that every flag of the guidance shows up somewhere on the panel."""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from bonecare.accounts.models import CareTeamMember, User
from bonecare.accounts.passwords import hash_password
from bonecare.clinician import status
from bonecare.demo.clinical import clinical_records
from bonecare.demo.logs import day_logs
from bonecare.dxa.models import DxaAppointment, DxaResult, VitaminDLab
from bonecare.exercise.models import Exercise
from bonecare.habits.models import HabitDay
from bonecare.intake.models import Intake
from bonecare.localtime import local_today
from bonecare.logbook import daily
from bonecare.treatments.models import Treatment

CLINICIAN_EMAIL = "clinician@demo.bonecare.dev"
PASSWORD = "demo-password"  # noqa: S105 - every demo account's, printed by the command; no real patient
TIMEZONES = (
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Europe/Berlin",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Africa/Johannesburg",
    "Pacific/Auckland",
)
FIRST_NAMES = (
    "Ana",
    "Beatriz",
    "Chloe",
    "Dana",
    "Elif",
    "Fatima",
    "Grace",
    "Hana",
    "Ines",
    "Joan",
    "Kemi",
    "Lena",
    "Maya",
    "Noor",
    "Olga",
    "Priya",
    "Rosa",
    "Sofia",
    "Tamar",
    "Uma",
    "Vera",
    "Wen",
    "Yara",
    "Zoe",
)
# What each patient's record is built to show, in turn (the last one: nothing to worry about).
SCENARIOS = (
    "no_baseline",
    "overdue",
    "vitamin_d_low",
    "vitamin_d_severe",
    "bone_agent",
    "severe",
    "near_threshold",
    "frax_high",
    "excess_calcium",
    "excess_vitamin_d",
    "smoker",
    "alcohol",
    "sedentary",
    "low_adherence",
    "well",
)
BATCH = 5000  # rows per INSERT


@dataclass
class Counts:
    """What a seeding run stored."""

    patients: int = 0
    intake: int = 0
    exercise: int = 0
    habits: int = 0
    dxa_results: int = 0
    labs: int = 0
    appointments: int = 0
    treatments: int = 0


def _clinician(session, now: datetime, password_hash: str) -> User:
    user = session.scalar(select(User).where(User.email == CLINICIAN_EMAIL))
    if user is None:
        user = User(
            email=CLINICIAN_EMAIL,
            password_hash=password_hash,
            role="clinician",
            display_name="Dr Demo",
            timezone="Europe/London",
            created_at=now,
        )
        session.add(user)
        session.flush()
    return user


def _insert(session, model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(model.__table__), rows[start : start + BATCH])


def _number(users: list[dict], tables: list[list[dict]]) -> None:
    """Version each patient's records 1, 2, … as the app would have (her profile first), and set her counter."""
    clocks = {user["id"]: 1 for user in users}
    for user in users:
        user["version"], user["updated_at"] = 1, user["created_at"]
    for rows in tables:
        for row in rows:
            clocks[row["patient_id"]] += 1
            row["version"] = clocks[row["patient_id"]]
            row.setdefault("updated_at", row.get("created_at"))
    for user in users:
        user["sync_clock"] = clocks[user["id"]]


def seed(
    session,
    *,
    patients: int,
    days: int,
    now: datetime,
    rng_seed: int = 1,
    clinician: User | None = None,
    email_domain: str = "demo.bonecare.dev",
    with_clinical: bool = True,
) -> Counts:
    """Store a demo clinic (the demo clinician's, unless another is given) and commit; returns the counts."""
    rng = random.Random(rng_seed)
    password_hash = hash_password(PASSWORD)
    clinician = clinician or _clinician(session, now, password_hash)
    counts = Counts(patients=patients)
    batch = uuid.uuid4().hex[:6]
    users, team, intake, exercise, habits, results, labs, appointments, courses = [], [], [], [], [], [], [], [], []
    for n in range(patients):
        zone_name = TIMEZONES[n % len(TIMEZONES)]
        zone = ZoneInfo(zone_name)
        scenario = SCENARIOS[n % len(SCENARIOS)]
        adherence = 0.3 if scenario == "low_adherence" else rng.choice((0.98, 0.9, 0.85, 0.7, 0.5))
        pid = uuid.uuid4()
        name = f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {chr(65 + n // len(FIRST_NAMES) % 26)}."
        users.append(
            {
                "id": pid,
                "email": f"patient-{n + 1}-{batch}@{email_domain}",
                "password_hash": password_hash,
                "role": "patient",
                "display_name": name,
                "timezone": zone_name,
                "smoking_status": "current" if scenario == "smoker" else "never",
                "quiet_start": "22:00",
                "quiet_end": "07:00",
                "created_at": now - timedelta(days=days),
            }
        )
        team.append({"patient_id": pid, "clinician_id": clinician.id, "added_at": now - timedelta(days=days)})
        today = local_today(zone_name, now)
        for back in range(days, -1, -1):
            day = today - timedelta(days=back)
            if rng.random() > adherence + 0.1:
                continue  # a day she logged nothing
            day_intake, day_exercise, habit = day_logs(rng, pid, zone, day, scenario, adherence)
            intake += [r for r in day_intake if r["created_at"] <= now]
            exercise += [r for r in day_exercise if r["created_at"] <= now]
            if habit["updated_at"] <= now:
                habits.append(habit)
        if with_clinical:
            scans, lab_rows, booked, treated = clinical_records(pid, clinician.id, scenario, today, now)
            results += scans
            labs += lab_rows
            appointments += booked
            courses += treated
    records = (
        (Intake, intake),
        (Exercise, exercise),
        (HabitDay, habits),
        (DxaResult, results),
        (VitaminDLab, labs),
        (DxaAppointment, appointments),
        (Treatment, courses),
    )
    _number(users, [rows for _, rows in records])
    _insert(session, User, users)
    _insert(session, CareTeamMember, team)
    for model, rows in records:
        _insert(session, model, rows)
    daily.rebuild(session, [user["id"] for user in users if user["role"] == "patient"])
    status.refresh(session, now, clinician.id)  # the panel's rows, so its first view need not compute them
    session.commit()
    counts.intake, counts.exercise, counts.habits = len(intake), len(exercise), len(habits)
    counts.dxa_results, counts.labs, counts.appointments = len(results), len(labs), len(appointments)
    counts.treatments = len(courses)
    return counts
