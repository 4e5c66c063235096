"""Recording and reading the access log."""

import uuid
from datetime import datetime

from sqlalchemy import insert

from bonecare.audit.models import AccessLogEntry


def record(session, *, patient_id, actor_id, action: str, resource: str, at: datetime, resource_id=None) -> None:
    """Add an entry to the caller's transaction; it commits with the change it describes."""
    session.add(
        AccessLogEntry(
            patient_id=patient_id,
            actor_id=actor_id,
            action=action,
            resource=resource,
            resource_id=str(resource_id) if resource_id is not None else None,
            at=at,
        )
    )


def record_many(session, *, patient_ids, actor_id, action: str, resource: str, at: datetime) -> None:
    """One entry per patient, written by one INSERT executed for every row (a panel shows many at once)."""
    rows = [
        {
            "id": uuid.uuid4(),
            "patient_id": pid,
            "actor_id": actor_id,
            "action": action,
            "resource": resource,
            "resource_id": None,
            "at": at,
        }
        for pid in patient_ids
    ]
    if rows:
        session.execute(insert(AccessLogEntry.__table__), rows)
