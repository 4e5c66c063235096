"""Adherence aggregates in SQL over the patients' daily summaries (logbook.daily), for one patient or a whole panel
at once.

Every function here issues one statement whatever the number of patients or the window's length.
Patients come in groups that share a window (a panel's patients differ only by their local today, so
there are one or two groups); each group's patients are an expanding IN parameter. The statements are
built once per number of groups and reused, so a request pays neither their construction nor their
compilation.
"""

import uuid
from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import Date, String, and_, bindparam, case, func, or_, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from bonecare.careplan.models import CarePlan
from bonecare.exercise.models import KINDS
from bonecare.guidance import targets as t
from bonecare.logbook.daily import PatientDay as Day


class week_start(FunctionElement):  # noqa: N801 - a SQL function, named as SQL names them
    """The Monday of a date's ISO week."""

    type = Date()
    inherit_cache = True


@compiles(week_start)
def _week_start(element, compiler, **kw):
    # Through a timestamp WITHOUT time zone, so the session's zone cannot shift the day.
    return f"CAST(date_trunc('week', CAST({compiler.process(element.clauses, **kw)} AS TIMESTAMP)) AS DATE)"


@compiles(week_start, "sqlite")
def _week_start_sqlite(element, compiler, **kw):
    # 'weekday 0' moves to the coming Sunday (or stays on one); six days back is that week's Monday.
    return f"date({compiler.process(element.clauses, **kw)}, 'weekday 0', '-6 days')"


class day_list(FunctionElement):  # noqa: N801 - a SQL aggregate, named as SQL names them
    """An aggregate: the group's dates as one comma-separated text, in any order."""

    type = String()
    inherit_cache = True


@compiles(day_list)
def _day_list(element, compiler, **kw):
    return f"string_agg(CAST({compiler.process(element.clauses, **kw)} AS TEXT), ',')"


@compiles(day_list, "sqlite")
def _day_list_sqlite(element, compiler, **kw):
    return f"group_concat({compiler.process(element.clauses, **kw)})"


@dataclass(frozen=True)
class Group:
    """Patients who share a window: local days lo..hi (inclusive) and the same local today."""

    patient_ids: tuple[uuid.UUID, ...]
    lo: date
    hi: date
    today: date


def _pid(column):
    """A patient-id column as the driver gives it (SQLite: hex text), so rows skip building UUIDs."""
    return type_coerce(column, String()).label("pid")


def row_keys(groups: list[Group]) -> dict:
    """Raw patient id as a row carries it -> the patient's UUID; built once per call of the queries below."""
    return {raw: pid for g in groups for pid in g.patient_ids for raw in (pid, pid.hex, str(pid))}


def _params(groups: list[Group]) -> dict:
    params = {}
    for n, g in enumerate(groups):
        params.update({f"ids{n}": list(g.patient_ids), f"lo{n}": g.lo, f"hi{n}": g.hi, f"today{n}": g.today})
    return params


def _within(pid_column, day_column, groups: int, *, to_today: bool = False):
    """Rows of the groups' patients whose day is in their window (or, to_today, any day up to today)."""
    conditions = []
    for n in range(groups):
        ids = pid_column.in_(bindparam(f"ids{n}", expanding=True))
        if to_today:
            conditions.append(and_(ids, day_column <= bindparam(f"today{n}", type_=Date)))
        else:
            conditions.append(
                and_(ids, day_column.between(bindparam(f"lo{n}", type_=Date), bindparam(f"hi{n}", type_=Date)))
            )
    return or_(*conditions)


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@cache
def _intake_statement(groups: int):
    # a day is met against the care plan or, without one, the guidance default
    ca_min = func.coalesce(CarePlan.calcium_mg_min, t.CALCIUM_MG_MIN)
    vd_min = func.coalesce(CarePlan.vitamin_d_iu_min, t.VITAMIN_D_IU_MIN)
    return (
        select(
            _pid(Day.patient_id),
            _count_if(Day.calcium_mg >= ca_min).label("calcium_days_met"),
            _count_if(Day.calcium_mg > t.CALCIUM_UPPER_LIMIT_MG).label("calcium_days_over"),
            func.sum(Day.calcium_mg).label("calcium_total"),
            _count_if(Day.vitamin_d_iu >= vd_min).label("vitamin_d_days_met"),
            _count_if(Day.vitamin_d_iu > t.VITAMIN_D_UPPER_LIMIT_IU).label("vitamin_d_days_over"),
            func.sum(Day.vitamin_d_iu).label("vitamin_d_total"),
            func.max(Day.logged_at).label("last_logged_at"),
        )
        .outerjoin(CarePlan, CarePlan.patient_id == Day.patient_id)
        .where(_within(Day.patient_id, Day.local_date, groups), Day.intakes > 0)
        .group_by(Day.patient_id)
    )


def intake_totals(session, groups: list[Group], keys: dict) -> dict:
    """pid -> calcium and vitamin D day counts (met, over the upper limit), totals and the latest logged instant of
    a day with intake, inside the window; a day is met against the patient's care plan (or the guidance default)."""
    rows = session.execute(_intake_statement(len(groups)), _params(groups))
    return {keys[row.pid]: row._asdict() for row in rows}


def _weekly(groups: int, present, *sums):
    """Per patient and ISO week inside the window, over the days where `present` holds: the latest logged instant
    and these sums."""
    week = week_start(Day.local_date).label("week")
    return (
        select(_pid(Day.patient_id), week, func.max(Day.logged_at), *sums)
        .where(_within(Day.patient_id, Day.local_date, groups), present)
        .group_by(Day.patient_id, week)
    )


@cache
def _exercise_statement(groups: int):
    per_kind = []
    for kind in KINDS:
        per_kind += [func.sum(getattr(Day, f"{kind}_min")), func.sum(getattr(Day, f"{kind}_sessions"))]
    return _weekly(groups, Day.sessions > 0, *per_kind)


def exercise_weeks(session, groups: list[Group], keys: dict) -> tuple[dict, dict]:
    """pid -> {week's Monday: {kind: (minutes, sessions)}} inside the window, and pid -> latest logged instant of
    a day with exercise."""
    weeks: dict = {}
    latest: dict = {}
    for raw, monday, at, *values in session.execute(_exercise_statement(len(groups)), _params(groups)):
        weeks.setdefault(raw, {})[monday] = {
            kind: (int(values[2 * n]), int(values[2 * n + 1])) for n, kind in enumerate(KINDS)
        }
        latest[raw] = max(at, latest.get(raw, at))
    return _by_id(weeks, keys), _by_id(latest, keys)


def _by_id(by_raw: dict, keys: dict) -> dict:
    return {keys[raw]: value for raw, value in by_raw.items()}


@cache
def _habit_statement(groups: int):
    smoked = _count_if(Day.cigarettes > 0)
    return _weekly(groups, Day.habits > 0, func.sum(Day.drinks), func.sum(Day.cigarettes), smoked)


def habit_weeks(session, groups: list[Group], keys: dict) -> tuple[dict, dict]:
    """pid -> {week's Monday: (drinks, cigarettes, days smoked)} inside the window, and pid -> latest logged
    instant of a day with habits."""
    weeks: dict = {}
    latest: dict = {}
    for raw, monday, at, drinks, cigarettes, smoked in session.execute(_habit_statement(len(groups)), _params(groups)):
        weeks.setdefault(raw, {})[monday] = (float(drinks), int(cigarettes), int(smoked))
        latest[raw] = max(at, latest.get(raw, at))
    return _by_id(weeks, keys), _by_id(latest, keys)


@cache
def _days_statement(groups: int):
    return (
        select(
            _pid(Day.patient_id),
            func.min(Day.local_date),
            _count_if(_within(Day.patient_id, Day.local_date, groups)),
            day_list(Day.local_date),
        )
        .where(_within(Day.patient_id, Day.local_date, groups, to_today=True))
        .group_by(Day.patient_id)
    )


def logged_days(session, groups: list[Group], keys: dict) -> dict:
    """pid -> (first logged day, days logged in the window, every logged day up to today as "YYYY-MM-DD"
    texts), counting intake, exercise and habits."""
    rows = session.execute(_days_statement(len(groups)), _params(groups))
    return {keys[raw]: (first, int(count), set(listed.split(","))) for raw, first, count, listed in rows}


def daily_intake(session, patient_id, first: date | None = None, last: date | None = None) -> dict:
    """local date -> (calcium mg, vitamin D IU) logged that day, oldest first, for the days first..last (or all)
    that have any."""
    statement = (
        select(Day.local_date, Day.calcium_mg, Day.vitamin_d_iu)
        .where(Day.patient_id == patient_id, Day.intakes > 0)
        .order_by(Day.local_date)
    )
    if first is not None and last is not None:
        statement = statement.where(Day.local_date.between(first, last))
    return {day: (float(calcium), float(vitamin_d)) for day, calcium, vitamin_d in session.execute(statement)}
