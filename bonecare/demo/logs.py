"""A demo patient's daily logs: meals and a supplement, the week's exercise plan, and her habits, as rows."""

import random
import uuid
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bonecare.database import fingerprint

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


def local_at(day: date, hour: float, zone: ZoneInfo) -> datetime:
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


def _intake_row(patient_id, day: date, at: datetime, calcium: float, vitamin_d: float, source: str, product: str):
    """An intake entry's row: a meal's calcium or the day's supplement."""
    return _log_row(
        patient_id,
        day,
        at,
        taken_at=at,
        calcium_mg=calcium,
        vitamin_d_iu=vitamin_d,
        source=source,
        product=product,
        note=None,
    )


def day_logs(rng: random.Random, patient_id, zone: ZoneInfo, day: date, scenario: str, adherence: float):
    """One local day of a patient's logs: (intake rows, exercise rows, habit row or None)."""
    intake, exercise = [], []
    meals = ((8, "breakfast", 300), (13, "lunch", 250), (19, "dinner", 300))
    for hour, product, calcium in meals:
        at = local_at(day, hour + rng.random(), zone)
        intake.append(_intake_row(patient_id, day, at, round(calcium * rng.uniform(0.5, 1.3)), 40.0, "diet", product))
    if rng.random() < adherence:
        at = local_at(day, 9 + rng.random(), zone)
        calcium = 1500.0 if scenario == "excess_calcium" and rng.random() < 0.3 else 500.0
        vitamin_d = 5000.0 if scenario == "excess_vitamin_d" and rng.random() < 0.3 else 800.0
        intake.append(_intake_row(patient_id, day, at, calcium, vitamin_d, "supplement", "calcium carbonate + D3"))
    for kind in () if scenario == "sedentary" else _WEEK_PLAN[day.weekday()]:
        if rng.random() < 0.9:
            at = local_at(day, 17 + rng.random(), zone)
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
    updated = local_at(day, 21.5, zone)
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
