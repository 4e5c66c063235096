"""The panel: one row per patient on the clinician's care teams, sorted, filtered and paged in SQL over the stored
panel rows (clinician.status), in a constant number of queries whatever the clinic's size."""

from datetime import datetime

from sqlalchemy import select

from bonecare.accounts.models import CareTeamMember, User
from bonecare.adherence.service import last_days, summaries
from bonecare.audit.service import record_many
from bonecare.clinician import status
from bonecare.clinician.models import SORT_KEYS, PanelFlag, PanelStatus
from bonecare.errors import Invalid
from bonecare.guidance import targets as t
from bonecare.web.paging import cursor_values, decode_cursor, encode_cursor, seek

S = PanelStatus
_BY_SCORE = ("adherence", "-adherence")


def _keys(sort: str) -> list:
    """A sort's order: its key column, the name, the patient id (unique), each ascending, as an index holds them."""
    named = [S.sort_name, S.patient_id]
    return [getattr(S, SORT_KEYS[sort]), *named] if sort in SORT_KEYS else named


def _after(cursor: str | None, sort: str, keys: list) -> list | None:
    """The sort values a cursor points after; a cursor of another sort (or not ours) is a 422."""
    if not cursor:
        return None
    values = decode_cursor(cursor, len(keys) + 1)
    if values[0] != sort:
        raise Invalid("The cursor belongs to another sort order.", "cursor")
    return cursor_values(keys, values[1:])


def _rows(caller, flag: str | None):
    stmt = (
        select(S, User)
        .join(User, User.id == S.patient_id)
        .join(CareTeamMember, CareTeamMember.patient_id == S.patient_id)
        .where(CareTeamMember.clinician_id == caller.id)
    )
    if flag:
        stmt = stmt.where(S.patient_id.in_(select(PanelFlag.patient_id).where(PanelFlag.code == flag)))
    return stmt


def _key(row, keys: list) -> list:
    return [getattr(row.PanelStatus, key.key) for key in keys]


def _windowed(session, users: list, days: int, now: datetime) -> dict:
    """patient id -> the panel's adherence columns over the `days` local days ending on her today."""
    ranges = {u.id: last_days(u, days, now) for u in users}
    return {pid: status.adherence_row(s, days) for pid, s in summaries(session, users, ranges, now).items()}


def _stored(row: PanelStatus) -> dict:
    at = row.adherence["last_logged_at"]
    return {**row.adherence, "last_logged_at": datetime.fromisoformat(at) if at else None}


def panel(session, caller, query: dict, now: datetime) -> dict:
    """A page of the clinician's panel (the caller is a clinician); each patient shown is a read in her access log.
    Out-of-date rows of her patients are recomputed first, in this transaction."""
    status.refresh(session, now, caller.id)
    sort, days, limit = query["sort"], query["window_days"], query["limit"]
    keys = _keys(sort)
    after = _after(query.get("cursor"), sort, keys)
    stmt = _rows(caller, query.get("flag"))
    adherence = {}
    if days != t.ADHERENCE_WINDOW_DAYS and sort in _BY_SCORE:
        # ranked by a window nobody stored: every patient's score over it, from the daily summaries
        rows = session.execute(stmt).all()
        adherence = _windowed(session, [r.User for r in rows], days, now)
        ranked = sorted(((_score_key(sort, r, adherence), r) for r in rows), key=lambda kr: kr[0])
        keyed = [(k, r) for k, r in ranked if after is None or k > after][: limit + 1]
    else:
        if after is not None:
            stmt = seek(stmt, keys, after)
        keyed = [(_key(r, keys), r) for r in session.execute(stmt.order_by(*keys).limit(limit + 1))]
    more, keyed = len(keyed) > limit, keyed[:limit]
    shown = [r for _, r in keyed]
    if days != t.ADHERENCE_WINDOW_DAYS and not adherence:
        adherence = _windowed(session, [r.User for r in shown], days, now)
    flags = _flags(session, [r.PanelStatus.patient_id for r in shown])
    items = [_item(r, adherence.get(r.User.id) or _stored(r.PanelStatus), flags) for r in shown]
    record_many(
        session,
        patient_ids=[r.User.id for r in shown],
        actor_id=caller.id,
        action="read",
        resource="panel",
        at=now,
    )
    session.commit()
    return {"items": items, "next_cursor": encode_cursor([sort, *keyed[-1][0]]) if more else None}


def _score_key(sort: str, row, adherence: dict) -> list:
    """The order of _keys(sort), for a score computed here rather than stored."""
    keys = status.sort_keys((), adherence[row.User.id]["score"], None)
    return [keys[SORT_KEYS[sort]], row.PanelStatus.sort_name, row.User.id]


def _flags(session, ids: list) -> dict:
    """patient id -> her open flags, most severe first."""
    out: dict = {pid: [] for pid in ids}
    stmt = select(PanelFlag).where(PanelFlag.patient_id.in_(ids)).order_by(PanelFlag.patient_id, PanelFlag.position)
    for flag in session.scalars(stmt) if ids else ():
        out[flag.patient_id].append({"code": flag.code, "severity": flag.severity})
    return out


def _item(row, adherence: dict, flags: dict) -> dict:
    # plain values, not the ORM objects: the page is built from them after the use case commits
    p, s = row.User, row.PanelStatus
    shown = flags[p.id]
    return {
        "patient": {"id": p.id, "display_name": p.display_name, "email": p.email, "timezone": p.timezone},
        "adherence": adherence,
        "flags": shown,
        "max_severity": shown[0]["severity"] if shown else None,
        "next_dxa_appointment": {"id": s.next_dxa_id, "scheduled_for": s.next_dxa_on, "location": s.next_dxa_location}
        if s.next_dxa_id
        else None,
        "next_dxa_due": s.next_dxa_due,
    }
