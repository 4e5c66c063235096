"""Adherence aggregates in SQL over the stored local dates, for one patient or a whole panel at once.

Every function here issues one statement whatever the number of patients or the window's length.
Patients come in groups that share a window (a panel's patients differ only by their local today, so
there are one or two groups); each group is an expanding IN list, so the statement's SQL stays the same
and SQLAlchemy's compiled cache holds, however many patients there are.
"""

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, and_, case, func, or_, select, union
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from bonecare.careplan.models import CarePlan
from bonecare.exercise.models import KINDS, Exercise
from bonecare.guidance import targets as t
from bonecare.habits.models import HabitDay
from bonecare.intake.models import Intake


class week_start(FunctionElement):  # noqa: N801 - reads as the SQL function it compiles to
    """The Monday of a date's ISO week."""

    type = Date()
    inherit_cache = True


@compiles(week_start)
def _week_start_default(element, compiler, **kw):
    return f"CAST(date_trunc('week', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(week_start, "sqlite")
def _week_start_sqlite(element, compiler, **kw):
    # 'weekday 0' moves to the coming Sunday (or stays on one); six days back is that week's Monday.
    return f"date({compiler.process(element.clauses, **kw)}, 'weekday 0', '-6 days')"


@dataclass(frozen=True)
class Group:
    """Patients who share a window: local days lo..hi (inclusive) and the same local today."""

    patient_ids: tuple[uuid.UUID, ...]
    lo: date
    hi: date
    today: date


def _within(pid_column, day_column, groups: list[Group], *, to_today: bool = False):
    """Rows of these patients whose day is in their group's window (or, to_today, any day up to today)."""
    return or_(*(
        and_(pid_column.in_(g.patient_ids), day_column <= g.today)
        if to_today else and_(pid_column.in_(g.patient_ids), day_column >= g.lo, day_column <= g.hi)
        for g in groups
    ))


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def intake_totals(session, groups: list[Group]) -> dict:
    """pid -> calcium and vitamin D day counts (met, over the upper limit) and totals inside the window."""
    ca_min = func.coalesce(func.max(CarePlan.calcium_mg_min), t.CALCIUM_MG_MIN)
    vd_min = func.coalesce(func.max(CarePlan.vitamin_d_iu_min), t.VITAMIN_D_IU_MIN)
    daily = (
        select(
            Intake.patient_id.label("pid"), ca_min.label("ca_min"), vd_min.label("vd_min"),
            func.sum(Intake.calcium_mg).label("ca"), func.sum(Intake.vitamin_d_iu).label("vd"),
            func.max(Intake.created_at).label("at"),
        )
        .outerjoin(CarePlan, CarePlan.patient_id == Intake.patient_id)
        .where(_within(Intake.patient_id, Intake.local_date, groups), Intake.deleted_at.is_(None))
        .group_by(Intake.patient_id, Intake.local_date)
        .subquery()
    )
    stmt = select(
        daily.c.pid,
        _count_if(daily.c.ca >= daily.c.ca_min).label("calcium_days_met"),
        _count_if(daily.c.ca > t.CALCIUM_UPPER_LIMIT_MG).label("calcium_days_over"),
        func.sum(daily.c.ca).label("calcium_total"),
        _count_if(daily.c.vd >= daily.c.vd_min).label("vitamin_d_days_met"),
        _count_if(daily.c.vd > t.VITAMIN_D_UPPER_LIMIT_IU).label("vitamin_d_days_over"),
        func.sum(daily.c.vd).label("vitamin_d_total"),
        func.max(daily.c.at).label("last_logged_at"),
    ).group_by(daily.c.pid)
    return {row.pid: row._asdict() for row in session.execute(stmt)}


def exercise_weeks(session, groups: list[Group]) -> tuple[dict, dict]:
    """pid -> {week's Monday: {kind: (minutes, sessions)}} inside the window, and pid -> latest logged instant."""
    week = week_start(Exercise.local_date).label("week")
    per_kind = []
    for kind in KINDS:
        per_kind += [func.coalesce(func.sum(case((Exercise.kind == kind, Exercise.duration_min), else_=0)), 0),
                     _count_if(Exercise.kind == kind)]
    stmt = (
        select(Exercise.patient_id, week, func.max(Exercise.created_at), *per_kind)
        .where(_within(Exercise.patient_id, Exercise.local_date, groups), Exercise.deleted_at.is_(None))
        .group_by(Exercise.patient_id, week)
    )
    out: dict = {}
    latest: dict = {}
    for pid, monday, at, *values in session.execute(stmt):
        out.setdefault(pid, {})[monday] = {
            kind: (int(values[2 * n]), int(values[2 * n + 1])) for n, kind in enumerate(KINDS)
        }
        latest[pid] = max(at, latest.get(pid, at))
    return out, latest


def habit_weeks(session, groups: list[Group]) -> tuple[dict, dict]:
    """pid -> {week's Monday: (drinks, cigarettes, days smoked)} inside the window, and pid -> latest instant."""
    week = week_start(HabitDay.local_date).label("week")
    stmt = (
        select(
            HabitDay.patient_id, week, func.max(HabitDay.updated_at), func.sum(HabitDay.alcohol_drinks),
            func.sum(HabitDay.cigarettes),
            _count_if(HabitDay.cigarettes > 0),
        )
        .where(_within(HabitDay.patient_id, HabitDay.local_date, groups), HabitDay.deleted_at.is_(None))
        .group_by(HabitDay.patient_id, week)
    )
    out: dict = {}
    latest: dict = {}
    for pid, monday, at, drinks, cigarettes, smoked in session.execute(stmt):
        out.setdefault(pid, {})[monday] = (float(drinks), int(cigarettes), int(smoked))
        latest[pid] = max(at, latest.get(pid, at))
    return out, latest


class day_list(FunctionElement):  # noqa: N801
    """An aggregate: the group's dates as one comma-separated text (any order)."""

    inherit_cache = True


@compiles(day_list)
def _day_list_default(element, compiler, **kw):
    return f"string_agg(CAST({compiler.process(element.clauses, **kw)} AS TEXT), ',')"


@compiles(day_list, "sqlite")
def _day_list_sqlite(element, compiler, **kw):
    return f"group_concat({compiler.process(element.clauses, **kw)})"


def logged_days(session, groups: list[Group]) -> dict:
    """pid -> (first logged day, every logged day up to today as "YYYY-MM-DD" texts): intake, exercise, habits."""
    days = union(*(
        select(m.patient_id.label("pid"), m.local_date.label("day"))
        .where(_within(m.patient_id, m.local_date, groups, to_today=True), m.deleted_at.is_(None))
        for m in (Intake, Exercise, HabitDay)
    )).subquery("days")
    stmt = select(days.c.pid, func.min(days.c.day), day_list(days.c.day)).group_by(days.c.pid)
    return {pid: (first, set(listed.split(","))) for pid, first, listed in session.execute(stmt)}
