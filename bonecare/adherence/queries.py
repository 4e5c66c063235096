"""Adherence aggregates in SQL over the stored local dates, for one patient or a whole panel at once.

Every function here issues one statement whatever the number of patients or the window's length:
the patients' windows travel as a VALUES table joined to the logs, and GROUP BY does the counting.
"""

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, Float, Integer, Uuid, and_, case, column, func, select, union_all, values
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from bonecare.exercise.models import Exercise
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


class day_number(FunctionElement):  # noqa: N801
    """A date as a count of days, so that consecutive days differ by one."""

    type = Integer()
    inherit_cache = True


@compiles(day_number)
def _day_number_default(element, compiler, **kw):
    return f"({compiler.process(element.clauses, **kw)} - DATE '2000-01-01')"


@compiles(day_number, "sqlite")
def _day_number_sqlite(element, compiler, **kw):
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) AS INTEGER)"


@dataclass(frozen=True)
class Window:
    """One patient's window: local days first..last (inclusive), her local today, her daily minimums."""

    patient_id: uuid.UUID
    first: date
    last: date
    today: date
    calcium_mg_min: float
    vitamin_d_iu_min: float


def _windows(windows: list[Window]):
    """The windows as a VALUES table `w` (pid, lo, hi, today, ca_min, vd_min)."""
    return values(
        column("pid", Uuid), column("lo", Date), column("hi", Date), column("today", Date),
        column("ca_min", Float), column("vd_min", Float),
        name="w",
    ).data([(w.patient_id, w.first, w.last, w.today, w.calcium_mg_min, w.vitamin_d_iu_min) for w in windows]).cte("w")


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def intake_totals(session, windows: list[Window]) -> dict:
    """pid -> calcium and vitamin D day counts (met, over the upper limit) and totals inside the window."""
    w = _windows(windows)
    daily = (
        select(
            w.c.pid, w.c.ca_min, w.c.vd_min,
            func.sum(Intake.calcium_mg).label("ca"), func.sum(Intake.vitamin_d_iu).label("vd"),
        )
        .select_from(w)
        .join(Intake, and_(Intake.patient_id == w.c.pid, Intake.local_date.between(w.c.lo, w.c.hi)))
        .where(Intake.deleted_at.is_(None))
        .group_by(w.c.pid, Intake.local_date, w.c.ca_min, w.c.vd_min)
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
    ).group_by(daily.c.pid)
    return {row.pid: row._asdict() for row in session.execute(stmt)}


def exercise_weeks(session, windows: list[Window]) -> dict:
    """pid -> {week's Monday: {kind: (minutes, sessions)}} inside the window."""
    w = _windows(windows)
    week = week_start(Exercise.local_date).label("week")
    stmt = (
        select(w.c.pid, week, Exercise.kind, func.sum(Exercise.duration_min), func.count())
        .select_from(w)
        .join(Exercise, and_(Exercise.patient_id == w.c.pid, Exercise.local_date.between(w.c.lo, w.c.hi)))
        .where(Exercise.deleted_at.is_(None))
        .group_by(w.c.pid, week, Exercise.kind)
    )
    out: dict = {}
    for pid, monday, kind, minutes, sessions in session.execute(stmt):
        out.setdefault(pid, {}).setdefault(monday, {})[kind] = (int(minutes), int(sessions))
    return out


def habit_weeks(session, windows: list[Window]) -> dict:
    """pid -> {week's Monday: (drinks, cigarettes, days smoked)} inside the window."""
    w = _windows(windows)
    week = week_start(HabitDay.local_date).label("week")
    stmt = (
        select(
            w.c.pid, week, func.sum(HabitDay.alcohol_drinks), func.sum(HabitDay.cigarettes),
            _count_if(HabitDay.cigarettes > 0),
        )
        .select_from(w)
        .join(HabitDay, and_(HabitDay.patient_id == w.c.pid, HabitDay.local_date.between(w.c.lo, w.c.hi)))
        .where(HabitDay.deleted_at.is_(None))
        .group_by(w.c.pid, week)
    )
    out: dict = {}
    for pid, monday, drinks, cigarettes, smoked in session.execute(stmt):
        out.setdefault(pid, {})[monday] = (float(drinks), int(cigarettes), int(smoked))
    return out


def _log_days(patient_ids):
    """Every live log entry of these patients as (pid, local_date, at): intake, exercise and habits."""
    parts = [
        select(m.patient_id.label("pid"), m.local_date.label("day"), at.label("at")).where(
            m.patient_id.in_(patient_ids), m.deleted_at.is_(None)
        )
        for m, at in ((Intake, Intake.created_at), (Exercise, Exercise.created_at), (HabitDay, HabitDay.updated_at))
    ]
    return union_all(*parts).subquery("logs")


def logging(session, windows: list[Window]) -> dict:
    """pid -> first logged day ever, last logged instant, days with any log in the window, current streak."""
    w = _windows(windows)
    logs = _log_days([x.patient_id for x in windows])
    in_window = and_(logs.c.day >= w.c.lo, logs.c.day <= w.c.hi)
    summary = (
        select(
            w.c.pid,
            func.min(logs.c.day).label("first_day"),
            func.max(logs.c.at).label("last_logged_at"),
            func.count(func.distinct(case((in_window, logs.c.day)))).label("days_with_any_log"),
        )
        .select_from(w)
        .join(logs, logs.c.pid == w.c.pid)
        .group_by(w.c.pid)
    )
    out = {row.pid: row._asdict() for row in session.execute(summary)}
    # The streak is the run of consecutive days ending on the latest logged day up to today:
    # day number + rank (newest first) is the same on every day of a run.
    days = (
        select(w.c.pid, w.c.today, logs.c.day)
        .select_from(w)
        .join(logs, and_(logs.c.pid == w.c.pid, logs.c.day <= w.c.today))
        .distinct()
        .subquery()
    )
    ranked = select(
        days.c.pid, days.c.today, days.c.day,
        (day_number(days.c.day) + func.row_number().over(partition_by=days.c.pid, order_by=days.c.day.desc()))
        .label("run"),
    ).subquery()
    runs = select(
        ranked.c.pid, ranked.c.today, ranked.c.day, ranked.c.run,
        func.max(ranked.c.run).over(partition_by=ranked.c.pid).label("top"),
    ).subquery()
    streaks = (
        select(runs.c.pid, func.max(runs.c.day).label("latest"), func.count().label("length"))
        .where(runs.c.run == runs.c.top)
        .group_by(runs.c.pid)
    )
    for pid, latest, length in session.execute(streaks):
        out.setdefault(pid, {})["streak"] = (latest, int(length))
    return out

