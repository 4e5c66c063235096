"""A realistic demo clinic: a clinician, patients across time zones, logs of varied adherence, and DXA
results and labs chosen so that every flag of the guidance shows up somewhere on the panel."""

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from bonecare.accounts.models import CareTeamMember, User
from bonecare.accounts.passwords import hash_password
from bonecare.database import fingerprint
from bonecare.dxa.models import DxaAppointment, DxaResult, VitaminDLab
from bonecare.exercise.models import Exercise
from bonecare.guidance import targets as t
from bonecare.habits.models import HabitDay
from bonecare.intake.models import Intake
from bonecare.localtime import local_today
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
# Monday to Sunday: two sessions of resistance, balance and flexibility and 165 endurance minutes a week.
_WEEK_PLAN = (
    ("resistance",),
    ("balance", "flexibility"),
    ("endurance",),
    ("resistance",),
    ("endurance", "balance"),
    ("flexibility",),
    ("endurance",),
)


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


def _at(day: date, hour: float, zone: ZoneInfo) -> datetime:
    """The instant of a local wall-clock time on a local day."""
    local = datetime.combine(day, time(int(hour), int(hour % 1 * 60)), tzinfo=zone)
    return local.astimezone(UTC)


def _log_row(patient_id, day: date, at: datetime, **fields) -> dict:
    return {
        "id": uuid.uuid4(),
        "patient_id": patient_id,
        "local_date": day,
        "created_at": at,
        "deleted_at": None,
        "fingerprint": fingerprint(fields),
        **fields,
    }


def day_logs(rng: random.Random, patient_id, zone: ZoneInfo, day: date, scenario: str, adherence: float):
    """One local day of a patient's logs: (intake rows, exercise rows, habit row or None)."""
    intake, exercise = [], []
    meals = ((8, "breakfast", 300), (13, "lunch", 250), (19, "dinner", 300))
    for hour, product, calcium in meals:
        at = _at(day, hour + rng.random(), zone)
        amount = round(calcium * rng.uniform(0.5, 1.3))
        intake.append(
            _log_row(
                patient_id,
                day,
                at,
                taken_at=at,
                calcium_mg=amount,
                vitamin_d_iu=40.0,
                source="diet",
                product=product,
                note=None,
            )
        )
    if rng.random() < adherence:
        at = _at(day, 9 + rng.random(), zone)
        calcium = 1500.0 if scenario == "excess_calcium" and rng.random() < 0.3 else 500.0
        vitamin_d = 5000.0 if scenario == "excess_vitamin_d" and rng.random() < 0.3 else 800.0
        intake.append(
            _log_row(
                patient_id,
                day,
                at,
                taken_at=at,
                calcium_mg=calcium,
                vitamin_d_iu=vitamin_d,
                source="supplement",
                product="calcium carbonate + D3",
                note=None,
            )
        )
    for kind in () if scenario == "sedentary" else _WEEK_PLAN[day.weekday()]:
        if rng.random() < 0.9:
            at = _at(day, 17 + rng.random(), zone)
            exercise.append(
                _log_row(
                    patient_id,
                    day,
                    at,
                    started_at=at,
                    kind=kind,
                    intensity="moderate",
                    note=None,
                    duration_min=55 if kind == "endurance" else 20,
                )
            )
    drinks = rng.choice((0, 0, 1, 2, 3)) if scenario == "alcohol" else rng.choice((0, 0, 0, 1))
    cigarettes = rng.randint(3, 12) if scenario == "smoker" else 0
    updated = _at(day, 21.5, zone)
    habit = {
        "id": uuid.uuid4(),
        "patient_id": patient_id,
        "local_date": day,
        "cigarettes": cigarettes,
        "alcohol_drinks": float(drinks),
        "updated_at": updated,
        "deleted_at": None,
    }
    return intake, exercise, habit


# scenario -> (days since denosumab's last dose, days since it was stopped or None): the treatment flags
_DENOSUMAB = {"severe": (240, None), "frax_high": (300, 100), "excess_vitamin_d": (190, None)}


def _treatments(base: dict, scenario: str, today: date) -> list[dict]:
    """A denosumab course on time, due, late or stopped without a follow-on agent, for the scenario."""
    if scenario not in _DENOSUMAB:
        return []
    since_dose, since_stop = _DENOSUMAB[scenario]
    return [
        {
            **base,
            "id": uuid.uuid4(),
            "agent": "denosumab",
            "started_on": today - timedelta(days=700),
            "last_dose_on": today - timedelta(days=since_dose),
            "dose_interval_days": t.DENOSUMAB_DOSE_INTERVAL_DAYS,
            "stopped_on": today - timedelta(days=since_stop) if since_stop else None,
            "note": None,
            "updated_at": base["created_at"],
        }
    ]


def _records(patient_id, clinician_id, scenario: str, today: date, now: datetime):
    """DXA results, labs, appointments and treatments that make the scenario's flags appear."""
    base = {"patient_id": patient_id, "created_at": now, "created_by": clinician_id}
    t_scores = {"bone_agent": -2.7, "severe": -4.3, "near_threshold": -2.2}
    scan = {
        **base,
        "id": uuid.uuid4(),
        "performed_on": today - timedelta(days=200),
        "lumbar_spine_t": -1.1,
        "total_hip_t": -0.8,
        "femoral_neck_t": t_scores.get(scenario, -1.2),
        "frax_major_pct": 8.0,
        "frax_hip_pct": 1.1,
        "vertebral_fractures": {"severe": 3, "excess_vitamin_d": 1}.get(scenario, 0),
        "frax_with_bmd": True,
        "hip_fracture": False,
    }
    if scenario == "overdue":
        scan["performed_on"] = today - timedelta(days=800)
    if scenario == "frax_high":
        scan["frax_major_pct"] = 22.0
    value, unit = {"vitamin_d_low": (40.0, "nmol/L"), "vitamin_d_severe": (9.5, "ng/mL")}.get(scenario, (32.0, "ng/mL"))
    measured = today - timedelta(days=900 if scenario == "overdue" else 60)  # an old lab: VITAMIN_D_OLD
    lab = {
        **base,
        "id": uuid.uuid4(),
        "measured_on": measured,
        "value": value,
        "unit": unit,
        "vitamin_d_25oh_ng_ml": round(t.ng_ml(value, unit), 2),
    }
    appointment = {
        **base,
        "id": uuid.uuid4(),
        "scheduled_for": today + timedelta(days=45),
        "location": "Radiology",
        "note": None,
        "override_reason": None,
        "updated_at": now,
        "deleted_at": None,
    }
    if scenario == "no_baseline":
        return [], [], [appointment], []
    if scenario == "overdue":
        return [scan], [lab], [], []
    booked = [appointment] if scenario in ("near_threshold", "severe", "bone_agent") else []
    return [scan], [lab], booked, _treatments(base, scenario, today)


def _insert(session, model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(model.__table__), rows[start : start + BATCH])


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
            scans, lab_rows, booked, treated = _records(pid, clinician.id, scenario, today, now)
            results += scans
            labs += lab_rows
            appointments += booked
            courses += treated
    _insert(session, User, users)
    _insert(session, CareTeamMember, team)
    for model, rows in (
        (Intake, intake),
        (Exercise, exercise),
        (HabitDay, habits),
        (DxaResult, results),
        (VitaminDLab, labs),
        (DxaAppointment, appointments),
        (Treatment, courses),
    ):
        _insert(session, model, rows)
    session.commit()
    counts.intake, counts.exercise, counts.habits = len(intake), len(exercise), len(habits)
    counts.dxa_results, counts.labs, counts.appointments = len(results), len(labs), len(appointments)
    counts.treatments = len(courses)
    return counts
