"""The panel: one row per patient on the clinician's care teams, sorted, filtered, paged, in constant queries."""

from datetime import datetime

from sqlalchemy import select

from bonecare.accounts.models import CareTeamMember, User
from bonecare.adherence.service import last_days, rounded, summaries
from bonecare.assessment.service import gather
from bonecare.audit.service import record_many
from bonecare.errors import Invalid
from bonecare.guidance import targets as t
from bonecare.guidance.facts import SEVERITY_RANK
from bonecare.guidance.rules import assess
from bonecare.web.paging import decode_cursor, encode_cursor


def _adherence_row(summary: dict, window_days: int) -> dict:
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


def _sort_key(sort: str, row: dict) -> list:
    """A row's place in the sort, as JSON-able values ending with the patient id (unique)."""
    name, pid = row["patient"]["display_name"].casefold(), str(row["patient"]["id"])
    score = row["adherence"]["score"]
    if sort == "severity":
        rank = SEVERITY_RANK[row["max_severity"]] if row["max_severity"] else -1
        return [-rank, -len(row["flags"]), name, pid]
    if sort in ("adherence", "-adherence"):
        value = score if score is not None else 0.0
        return [score is None, value if sort == "adherence" else -value, name, pid]
    if sort == "next_dxa":
        appt = row["next_dxa_appointment"]
        return [appt is None, appt["scheduled_for"].isoformat() if appt else "", name, pid]
    return [name, pid]


def _rows(session, clinician, window_days: int, now: datetime) -> list[dict]:
    patients = session.scalars(
        select(User)
        .join(CareTeamMember, CareTeamMember.patient_id == User.id)
        .where(CareTeamMember.clinician_id == clinician.id, User.role == "patient")
    ).all()
    states = gather(session, patients, now)
    if window_days == t.ADHERENCE_WINDOW_DAYS:
        windowed = {pid: state.adherence for pid, state in states.items()}
    else:
        plans = {pid: state.plan for pid, state in states.items()}
        windowed = summaries(session, patients, {p.id: last_days(p, window_days, now) for p in patients}, now, plans)
    rows = []
    for p in patients:
        state = states[p.id]
        result = assess(state.facts, "clinician")
        appt = state.next_appointment
        rows.append(
            {
                # plain values, not the ORM objects: the page is built from them after the use case commits
                "patient": {"id": p.id, "display_name": p.display_name, "email": p.email, "timezone": p.timezone},
                "adherence": _adherence_row(windowed[p.id], window_days),
                "flags": [{"code": f.code, "severity": f.severity} for f in result.flags],
                "max_severity": result.flags[0].severity if result.flags else None,
                "next_dxa_appointment": {"id": appt.id, "scheduled_for": appt.scheduled_for, "location": appt.location}
                if appt
                else None,
                "next_dxa_due": result.next_dxa_due,
            }
        )
    return rows


def panel(session, caller, query: dict, now: datetime) -> dict:
    """A page of the clinician's panel (the caller is a clinician); each patient shown is a read in her access log."""
    sort = query["sort"]
    rows = _rows(session, caller, query["window_days"], now)
    if query.get("flag"):
        rows = [r for r in rows if any(f["code"] == query["flag"] for f in r["flags"])]
    keyed = sorted(((_sort_key(sort, r), r) for r in rows), key=lambda kr: kr[0])
    if query.get("cursor"):
        after = _after(query["cursor"], sort, len(keyed[0][0]) if keyed else None)
        keyed = [(k, r) for k, r in keyed if _beyond(k, after)]
    page = keyed[: query["limit"]]
    more = len(keyed) > query["limit"]
    record_many(
        session,
        patient_ids=[r["patient"]["id"] for _, r in page],
        actor_id=caller.id,
        action="read",
        resource="panel",
        at=now,
    )
    session.commit()
    return {"items": [r for _, r in page], "next_cursor": encode_cursor([sort, *page[-1][0]]) if more else None}


def _after(cursor: str, sort: str, arity: int | None) -> list:
    """The sort key a cursor points after; a cursor of another sort (or not ours) is a 422."""
    if arity is None:
        return []
    values = decode_cursor(cursor, arity + 1)
    if values[0] != sort:
        raise Invalid("The cursor belongs to another sort order.", "cursor")
    return values[1:]


def _beyond(key: list, after: list) -> bool:
    try:
        return key > after
    except TypeError as exc:
        raise Invalid("The cursor is not one this server issued.", "cursor") from exc
