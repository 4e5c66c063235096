"""Recording and reading the access log."""

from datetime import datetime

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
