"""Adherence over a window of local days, as docs/api.md defines it, for one patient or many at once."""

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from bonecare.accounts.access import open_record
from bonecare.adherence import queries
from bonecare.careplan.service import targets_for_many
from bonecare.errors import Invalid
from bonecare.exercise.models import KINDS
from bonecare.guidance import targets as t
from bonecare.localtime import local_date_of, local_today

# A window longer than this is refused: nobody reads ten years of adherence at once.
MAX_WINDOW_DAYS = 3660


def rounded(value: float | None, places: int = 1) -> float | None:
    """A number rounded half-up to `places` decimals (Python's round() rounds half to even)."""
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _pct(part: int, whole: int) -> float | None:
    """100 * part / whole, rounded half-up to one decimal in exact integer arithmetic."""
    return (2000 * part + whole) // (2 * whole) / 10 if whole else None


def _days(first: date, last: date) -> int:
    return max(0, (last - first).days + 1)


def mondays(first: date, last: date) -> list[date]:
    """The Monday of every ISO week that has a day in first..last."""
    monday = first - timedelta(days=first.weekday())
    out = []
    while monday <= last:
        out.append(monday)
        monday += timedelta(days=7)
    return out


_NOTHING = (0, 0)


def week_met(done: dict, weekly_targets: dict) -> dict[str, bool]:
    """kind -> whether a week's (minutes, sessions) meet that kind's weekly target."""
    met = {}
    for kind in KINDS:
        minutes, sessions = done.get(kind, _NOTHING)
        target = weekly_targets.get(kind) or {}
        met[kind] = minutes >= target.get("minutes", 0) and sessions >= target.get("sessions", 0)
    return met


def _intake(totals: dict | None, days: int, nutrient: str, unit: str) -> dict:
    totals = totals or {}
    met = int(totals.get(f"{nutrient}_days_met") or 0)
    total = float(totals.get(f"{nutrient}_total") or 0)
    return {
        "days": days,
        "days_met": met,
        "pct": _pct(met, days),
        f"mean_{unit}_per_day": rounded(total / days) if days else None,
        "days_over_upper_limit": int(totals.get(f"{nutrient}_days_over") or 0),
    }


def _exercise(weeks: dict, first: date, last: date, weekly_targets: dict) -> dict:
    rows, counted, met_count = [], 0, 0
    for monday in mondays(first, last) if first <= last else []:
        done = weeks.get(monday, {})
        complete = monday >= first and monday + timedelta(days=6) <= last
        by_kind = week_met(done, weekly_targets)
        met = all(by_kind.values()) if complete else None
        counted += complete
        met_count += bool(met)
        rows.append(
            {
                "week_start": monday,
                "complete": complete,
                "minutes": {k: done.get(k, _NOTHING)[0] for k in KINDS},
                "sessions": {k: done.get(k, _NOTHING)[1] for k in KINDS},
                "met": met,
                "kinds_met": by_kind if complete else None,
            }
        )
    return {"weeks": rows, "weeks_counted": counted, "weeks_met": met_count, "weeks_met_pct": _pct(met_count, counted)}


def _habits(weeks: dict, days: int, limit: float) -> tuple[dict, dict]:
    drinks = sum(w[0] for w in weeks.values())
    alcohol = {
        "drinks_per_week_mean": rounded(drinks * 7 / days) if days else None,
        "weeks_over_limit": sum(1 for w in weeks.values() if w[0] > limit),
        "limit_per_week": limit,
    }
    smoking = {"days_smoked": sum(w[2] for w in weeks.values()), "cigarettes_total": sum(w[1] for w in weeks.values())}
    return alcohol, smoking


def _streak(days_logged: set[str], today: date) -> int:
    """Consecutive logged days ending today, or yesterday while today has nothing yet."""
    day = today if str(today) in days_logged else today - timedelta(days=1)
    length = 0
    while str(day) in days_logged:
        length += 1
        day -= timedelta(days=1)
    return length


def summaries(session, patients, ranges: dict, now: datetime, targets: dict | None = None) -> dict:
    """patient id -> adherence over ranges[id] = (from, to), in a constant number of queries."""
    if not patients:
        return {}
    targets = targets or targets_for_many(session, [p.id for p in patients])
    windows = {}
    for p in patients:
        first, last = ranges[p.id]
        today = local_today(p.timezone, now)
        windows[p.id] = (first, min(last, today), today)
    by_window: dict = {}
    for pid, window in windows.items():
        by_window.setdefault(window, []).append(pid)
    groups = [queries.Group(tuple(ids), *window) for window, ids in by_window.items()]
    keys = queries.row_keys(groups)
    intake = queries.intake_totals(session, groups, keys)
    exercise, exercise_at = queries.exercise_weeks(session, groups, keys)
    habits, habits_at = queries.habit_weeks(session, groups, keys)
    logged = queries.logged_days(session, groups, keys)

    out = {}
    for p in patients:
        (_, last, today), plan = windows[p.id], targets[p.id]
        first_log, days_in_window, days_logged = logged.get(p.id, (None, 0, set()))
        registered = local_date_of(p.created_at, p.timezone)
        start = min(registered, first_log) if first_log else registered
        first = max(ranges[p.id][0], start)
        days = _days(first, last)
        alcohol, smoking = _habits(habits.get(p.id, {}), days, plan["alcohol_drinks_per_week_max"])
        out[p.id] = {
            "from": ranges[p.id][0],
            "to": ranges[p.id][1],
            "start": start,
            "days": days,
            "calcium": _intake(intake.get(p.id), days, "calcium", "mg"),
            "vitamin_d": _intake(intake.get(p.id), days, "vitamin_d", "iu"),
            "exercise": _exercise(exercise.get(p.id, {}), first, last, plan["exercise_weekly"]),
            "alcohol": alcohol,
            "smoking": smoking,
            "logging": {
                "days_with_any_log": days_in_window,
                "current_streak_days": _streak(days_logged, today),
                "last_logged_at": max(
                    (
                        at
                        for at in (
                            (intake.get(p.id) or {}).get("last_logged_at"),
                            exercise_at.get(p.id),
                            habits_at.get(p.id),
                        )
                        if at is not None
                    ),
                    default=None,
                ),
            },
        }
    return out


def last_days(patient, days: int, now: datetime) -> tuple[date, date]:
    """The `days` local days ending on the patient's today."""
    today = local_today(patient.timezone, now)
    return today - timedelta(days=days - 1), today


def window(patient, query: dict, now: datetime, days: int, max_days: int) -> tuple[date, date]:
    """The local days `from`..`to` of a query: by default the `days` ending on her today (or on `from`, when that
    is later); a window longer than `max_days` is a 422 on `from`."""
    today = local_today(patient.timezone, now)
    last = query.get("to") or max(today, query.get("from_") or today)
    first = query.get("from_") or last - timedelta(days=days - 1)
    if _days(first, last) > max_days:
        raise Invalid(f"The window may span at most {max_days} days.", "from")
    return first, last


def adherence(session, caller, pid, query: dict, now: datetime) -> dict:
    """The patient's adherence from `from` to `to` (default: the 30 local days ending today)."""
    access = open_record(session, caller, pid, resource="adherence", now=now)
    patient = access.patient
    first, last = window(patient, query, now, t.ADHERENCE_WINDOW_DAYS, MAX_WINDOW_DAYS)
    summary = summaries(session, [patient], {patient.id: (first, last)}, now)[patient.id]
    session.commit()
    return summary
