"""The patient reads her access log: who else read or changed her record, when, and what."""

from datetime import datetime

from sqlalchemy import select

from bonecare.accounts.access import open_record
from bonecare.accounts.models import User
from bonecare.audit.models import AccessLogEntry
from bonecare.web.paging import paginate


def access_log(session, caller, pid, query: dict, now: datetime) -> dict:
    """A page of the patient's access log, newest first (the patient only), each entry with its actor."""
    access = open_record(session, caller, pid, resource="access_log", action="list", now=now)
    stmt = select(AccessLogEntry).where(AccessLogEntry.patient_id == access.patient.id)
    rows, cursor = paginate(
        session,
        stmt,
        [AccessLogEntry.at, AccessLogEntry.id],
        query["limit"],
        query.get("cursor"),
        descending=True,
    )
    items = with_actors(session, rows)
    session.commit()
    return {"items": items, "next_cursor": cursor}


def with_actors(session, rows) -> list[dict]:
    """Access-log rows as the API shows them, each with its actor (one query for all of them)."""
    actor_ids = {r.actor_id for r in rows if r.actor_id}
    actors = {u.id: u for u in session.scalars(select(User).where(User.id.in_(actor_ids)))} if actor_ids else {}
    return [
        {
            "id": r.id,
            "at": r.at,
            "action": r.action,
            "resource": r.resource,
            "resource_id": r.resource_id,
            "actor": actors.get(r.actor_id),
        }
        for r in rows
    ]
