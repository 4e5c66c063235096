"""A patient's logs summed per local day (one row per day that has any live entry), kept in the same transaction
as every write of an intake, an exercise session or a habits day, and rebuilt from the logs by `flask panel
rebuild`. Adherence, streaks and first-log lookups read these rows, not the entries."""

import uuid
from datetime import date, datetime
from functools import cache

from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Integer,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal_column,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.orm import Mapped, mapped_column

from bonecare.accounts.sync import STAMP
from bonecare.database import UTCDateTime, insert_for, values_of
from bonecare.exercise.models import KINDS, Exercise
from bonecare.extensions import db
from bonecare.habits.models import HabitDay
from bonecare.intake.models import Intake


class PatientDay(db.Model):
    """What one patient logged on one local day: intake totals, exercise by kind, habits, and when she last logged
    it. `intakes`, `sessions` and `habits` count the entries behind each part, so a day with none of a part is told
    from a day whose part sums to zero."""

    __tablename__ = "patient_days"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    local_date: Mapped[date] = mapped_column(Date, primary_key=True)
    intakes: Mapped[int] = mapped_column(Integer)
    calcium_mg: Mapped[float] = mapped_column(Float)
    vitamin_d_iu: Mapped[float] = mapped_column(Float)
    sessions: Mapped[int] = mapped_column(Integer)
    balance_min: Mapped[int] = mapped_column(Integer)
    balance_sessions: Mapped[int] = mapped_column(Integer)
    flexibility_min: Mapped[int] = mapped_column(Integer)
    flexibility_sessions: Mapped[int] = mapped_column(Integer)
    endurance_min: Mapped[int] = mapped_column(Integer)
    endurance_sessions: Mapped[int] = mapped_column(Integer)
    resistance_min: Mapped[int] = mapped_column(Integer)
    resistance_sessions: Mapped[int] = mapped_column(Integer)
    habits: Mapped[int] = mapped_column(Integer)
    drinks: Mapped[float] = mapped_column(Float)
    cigarettes: Mapped[int] = mapped_column(Integer)
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime)


# The summed columns, in the order the sources below give them.
SUMS = (
    "intakes",
    "calcium_mg",
    "vitamin_d_iu",
    "sessions",
    *(f"{kind}_{part}" for kind in KINDS for part in ("min", "sessions")),
    "habits",
    "drinks",
    "cigarettes",
)


ONE = literal_column("1")


def _contributions(model, at, where, **values):
    """Each live entry of the model that `where(model)` selects, as its patient, day and instant and its
    contribution to each summed column (0 to those not given)."""
    return select(
        model.patient_id.label("patient_id"),
        model.local_date.label("local_date"),
        *(values.get(name, literal_column("0")).label(name) for name in SUMS),
        at.label("logged_at"),
    ).where(model.deleted_at.is_(None), where(model))


COLUMNS = ["patient_id", "local_date", *SUMS, "logged_at"]


def _summed(where, insert_construct=insert):
    """INSERT … SELECT of the days summed from the live entries that `where(model)` selects."""
    by_kind = {}
    for kind in KINDS:
        by_kind[f"{kind}_min"] = case((Exercise.kind == kind, Exercise.duration_min), else_=0)
        by_kind[f"{kind}_sessions"] = case((Exercise.kind == kind, 1), else_=0)
    entries = union_all(
        _contributions(
            Intake,
            Intake.created_at,
            where,
            intakes=ONE,
            calcium_mg=Intake.calcium_mg,
            vitamin_d_iu=Intake.vitamin_d_iu,
        ),
        _contributions(Exercise, Exercise.created_at, where, sessions=ONE, **by_kind),
        _contributions(
            HabitDay,
            HabitDay.updated_at,
            where,
            habits=ONE,
            drinks=HabitDay.alcohol_drinks,
            cigarettes=HabitDay.cigarettes,
        ),
    ).subquery()
    grouped = select(
        entries.c.patient_id,
        entries.c.local_date,
        *(func.sum(entries.c[name]) for name in SUMS),
        func.max(entries.c.logged_at),
    ).group_by(entries.c.patient_id, entries.c.local_date)
    return insert_construct(PatientDay.__table__).from_select(COLUMNS, grouped)


def _days_of(model):
    return (model.patient_id == bindparam("pid")) & model.local_date.in_(bindparam("days", expanding=True))


# Core statements (the table, not the class), built once: executed with parameters, an ORM statement would be a
# bulk one; built once, a write pays neither their construction nor their compilation.
@cache
def _refresh_statements():
    return delete(PatientDay.__table__).where(_days_of(PatientDay)), _summed(_days_of)


@cache
def _upsert_statement(insert_construct, replaced: tuple[str, ...], only_after=None):
    """INSERT of one entry's contributions to its day; on a day already summed, the `replaced` columns take the
    new values and the other sums grow by them. With `only_after` (a CTE inserting the entry), the values are the
    `day_`-named parameters and go in only if that CTE inserted a row."""
    table = PatientDay.__table__
    if only_after is None:
        upsert = insert_construct(table).values({name: bindparam(name) for name in COLUMNS})
    else:
        given = select(*(bindparam(f"day_{name}", type_=table.c[name].type) for name in COLUMNS))
        upsert = insert_construct(table).from_select(COLUMNS, given.where(exists(only_after.select())))
    new = upsert.excluded
    grown = {name: new[name] if name in replaced else table.c[name] + new[name] for name in SUMS}
    latest = case((new.logged_at > table.c.logged_at, new.logged_at), else_=table.c.logged_at)
    return upsert.on_conflict_do_update(
        index_elements=["patient_id", "local_date"], set_={**grown, "logged_at": latest}
    )


def _day_row(patient_id, day, at, values: dict) -> dict:
    return {"patient_id": patient_id, "local_date": day, **dict.fromkeys(SUMS, 0), **values, "logged_at": at}


def refresh(session, patient_id, days) -> None:
    """Bring the patient's rows for these local days in line with her live entries, after an edit or a deletion
    (the caller commits; her row lock, taken by accounts.sync.stamp, keeps two writes of her days apart)."""
    if not days:
        return
    session.flush()  # the entries just changed, so the sums below see them
    params = {"pid": patient_id, "days": sorted(set(days))}
    for statement in _refresh_statements():
        session.execute(statement, params)


def added(session, entry) -> None:
    """Count a new intake or exercise entry in its day: one upsert, whatever the day already holds."""
    session.execute(_upsert_statement(insert_for(session), ()), _contribution(entry))


def _contribution(entry) -> dict:
    if isinstance(entry, Intake):
        values = {"intakes": 1, "calcium_mg": entry.calcium_mg, "vitamin_d_iu": entry.vitamin_d_iu}
    else:
        values = {"sessions": 1, f"{entry.kind}_min": entry.duration_min, f"{entry.kind}_sessions": 1}
    return _day_row(entry.patient_id, entry.local_date, entry.created_at, values)


def logged(session, entry):
    """PostgreSQL: a new intake or exercise entry stamped with the patient's next version, inserted once and counted
    in its day in one statement (data-modifying CTEs): the patient's row lock, which the stamp takes and her every
    write queues on, is held for one round trip and the commit instead of three round trips and the commit.
    Returns its stored row, or None if its id was taken (the stamp was made: the caller gives it back)."""
    values = values_of(entry)  # its version is the stamp's, in the statement
    # Every parameter named by its part: the ones named as a column of the tables written would become SET values
    # of the stamp's UPDATE (SQLAlchemy gives a statement's parameters to each DML in it).
    params = {f"entry_{name}": value for name, value in values.items()}
    params |= {f"day_{name}": value for name, value in _contribution(entry).items()}
    params["patient_id"] = entry.patient_id  # the stamp's
    return session.execute(_logged_statement(type(entry), tuple(sorted(values))), params).first()


@cache
def _logged_statement(model, names: tuple[str, ...]):
    table = model.__table__
    clock = STAMP.cte("clock")
    given = select(*(bindparam(f"entry_{name}", type_=table.c[name].type) for name in names), clock.c.sync_clock)
    entry = (
        postgresql_insert(table)
        .from_select([*names, "version"], given, include_defaults=True)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(*table.c)
        .cte("entry")
    )
    day = _upsert_statement(postgresql_insert, (), only_after=entry).cte("day")
    return select(entry).add_cte(day)


_HABITS = ("habits", "drinks", "cigarettes")


def habits_set(session, record) -> None:
    """Put a day's habits record (new, revived or replaced: one a day) in its day: one upsert."""
    values = {"habits": 1, "drinks": record.alcohol_drinks, "cigarettes": record.cigarettes}
    row = _day_row(record.patient_id, record.local_date, record.updated_at, values)
    session.execute(_upsert_statement(insert_for(session), _HABITS), row)


def rebuild(session, patient_ids=None) -> int:
    """Recompute every row (or those of these patients) from the entries; returns the rows written."""
    ids = None if patient_ids is None else list(patient_ids)

    def chosen(model):
        return true() if ids is None else model.patient_id.in_(ids)

    session.execute(delete(PatientDay.__table__).where(chosen(PatientDay)))
    session.execute(_summed(chosen))
    return session.scalar(select(func.count()).select_from(PatientDay).where(chosen(PatientDay)))
