"""Keeping the panel's stored rows true: a patient's row is out of date once her sync clock has moved past her
summary clock (any change to her record takes a version from the first; a recomputation sets the second) or her
local midnight has passed; out-of-date rows are recomputed from
the record by the one assessment the API uses, before a panel is read and by the worker's pass."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import bindparam, delete, insert, select, text, union, update

from bonecare.accounts.models import SUMMARY_DUE, CareTeamMember, User
from bonecare.adherence.service import rounded
from bonecare.assessment.service import gather
from bonecare.clinician.models import PanelFlag, PanelStatus
from bonecare.database import insert_for
from bonecare.guidance import targets as t
from bonecare.guidance.facts import SEVERITY_RANK
from bonecare.guidance.rules import assess
from bonecare.localtime import local_instant


def adherence_row(summary: dict, window_days: int) -> dict:
    """The panel's adherence columns from an adherence summary; the score is the mean of the calcium, vitamin D
    and exercise percentages that are known."""
    parts = [summary["calcium"]["pct"], summary["vitamin_d"]["pct"], summary["exercise"]["weeks_met_pct"]]
    known = [p for p in parts if p is not None]
    return {
        "window_days": window_days,
        "days": summary["days"],
        "score": rounded(sum(known) / len(known)) if known else None,
        "calcium_pct": parts[0],
        "vitamin_d_pct": parts[1],
        "exercise_weeks_met_pct": parts[2],
        "drinks_per_week_mean": summary["alcohol"]["drinks_per_week_mean"],
        "alcohol_weeks_over_limit": summary["alcohol"]["weeks_over_limit"],
        "days_smoked": summary["smoking"]["days_smoked"],
        **summary["logging"],
    }


# Where a row without a score or an appointment sorts: after every real one.
LAST_SCORE, LAST_DAY = 1e9, date.max


def sort_keys(flags, score: float | None, next_dxa: date | None) -> dict:
    """The row's ascending key for each sort (clinician.models.SORT_KEYS)."""
    rank = SEVERITY_RANK[flags[0].severity] if flags else -1
    return {
        "severity_key": -(rank * 100 + len(flags)),
        "score_asc": score if score is not None else LAST_SCORE,
        "score_desc": -score if score is not None else LAST_SCORE,
        "dxa_key": next_dxa or LAST_DAY,
    }


def stale(clinician_id=None, *, now: datetime):
    """The patients whose panel row is missing or out of date (her record changed since, or her local midnight
    passed), of one clinician's care teams or of every team; each part is read from an index that holds only
    such rows, so the cost follows the number out of date, not the clinic's size."""
    changed = select(User.id).where(text(SUMMARY_DUE))  # as the partial index spells it, or it is not used
    expired = select(PanelStatus.patient_id).where(PanelStatus.valid_until <= now)
    stmt = (
        select(User)
        .where(User.id.in_(union(changed, expired)))
        .order_by(User.id)
        .execution_options(populate_existing=True)  # the clock as stored now, not as an earlier read saw it
    )
    if clinician_id is not None:
        stmt = stmt.join(CareTeamMember, CareTeamMember.patient_id == User.id).where(
            CareTeamMember.clinician_id == clinician_id
        )
    return stmt


# Patients recomputed per round: bounded memory, and well under PostgreSQL's 65,535 parameters a statement.
CHUNK = 500


def recompute(session, patients, now: datetime) -> None:
    """Write the panel rows of these patients from their records (the caller commits). Their clocks were read
    before the record is: a change committed in between leaves the row out of date, never wrongly current."""
    for start in range(0, len(patients), CHUNK):
        _recompute(session, patients[start : start + CHUNK], now)


def _recompute(session, patients, now: datetime) -> None:
    clocks = {p.id: p.sync_clock for p in patients}
    states = gather(session, patients, now)
    rows, flags = [], []
    for p in patients:
        state = states[p.id]
        result = assess(state.facts, "clinician")
        appt = state.next_appointment
        adherence = adherence_row(state.adherence, t.ADHERENCE_WINDOW_DAYS)
        at = adherence["last_logged_at"]
        rows.append(
            {
                "patient_id": p.id,
                "valid_until": local_instant(state.facts.today + timedelta(days=1), time(0), p.timezone),
                "computed_at": now,
                "sort_name": p.display_name.casefold(),
                **sort_keys(result.flags, adherence["score"], appt.scheduled_for if appt else None),
                "adherence": {**adherence, "last_logged_at": at.isoformat() if at else None},
                "next_dxa_id": appt.id if appt else None,
                "next_dxa_on": appt.scheduled_for if appt else None,
                "next_dxa_location": appt.location if appt else None,
                "next_dxa_due": result.next_dxa_due,
            }
        )
        flags += [
            {"patient_id": p.id, "code": f.code, "severity": f.severity, "position": n}
            for n, f in enumerate(result.flags)
        ]
    # The rows first: their upsert locks them, so a concurrent recomputation of the same patient waits here and
    # then replaces these flags instead of adding to them.
    upsert = insert_for(session)(PanelStatus).values(rows)
    columns = {c: upsert.excluded[c] for c in rows[0] if c != "patient_id"}
    session.execute(upsert.on_conflict_do_update(index_elements=["patient_id"], set_=columns))
    session.execute(delete(PanelFlag).where(PanelFlag.patient_id.in_(list(clocks))))
    if flags:
        session.execute(insert(PanelFlag), flags)
    # Last, so the patients' row locks are held for the commit only; a patient whose record changed meanwhile
    # keeps her newer clock and stays due.
    users = User.__table__
    done = update(users).where(users.c.id == bindparam("pid"), users.c.sync_clock == bindparam("clock"))
    session.execute(
        done.values(summary_clock=bindparam("clock")), [{"pid": pid, "clock": c} for pid, c in clocks.items()]
    )


def refresh(session, now: datetime, clinician_id=None, batch: int | None = None) -> int:
    """Recompute the out-of-date panel rows (of one clinician's care teams, or all, at most `batch` of them);
    returns how many (the caller commits)."""
    stmt = stale(clinician_id, now=now)
    patients = session.scalars(stmt.limit(batch) if batch else stmt).unique().all()
    recompute(session, patients, now)
    return len(patients)


def rebuild(session, now: datetime) -> int:
    """Recompute every patient's panel row, out of date or not; returns how many (the caller commits)."""
    patients = session.scalars(select(User).where(User.role == "patient").order_by(User.id)).all()
    recompute(session, patients, now)
    return len(patients)
