"""The record step of a batch: each claimed occurrence's verdict written back, and dead devices switched off.
It writes; the batch commits."""

import uuid
from datetime import datetime

from sqlalchemy import update

from bonecare.reminders.models import Device, Occurrence
from bonecare.reminders.verdict import Verdict

_T = Occurrence.__table__


def record(session, verdicts: dict[uuid.UUID, Verdict], tried: set, worker: str, now: datetime) -> None:
    """Write the verdicts (occurrence id -> Verdict; `tried`: the ids a send was attempted for) with one UPDATE
    per distinct outcome (a batch is mostly one), each guarded so that a claim this worker lost (its lease ran
    out and another took it) is left alone."""
    groups: dict[tuple, list] = {}
    for occurrence_id, verdict in verdicts.items():
        groups.setdefault((verdict, occurrence_id in tried), []).append(occurrence_id)
    for (verdict, was_tried), ids in groups.items():
        session.execute(
            update(_T)
            .where(_T.c.id.in_(ids), _T.c.claimed_by == worker, _T.c.status == "claimed")
            .values(
                status=verdict.status,
                attempts=_T.c.attempts + int(was_tried),
                sent_at=now if verdict.status == "sent" else None,
                late=verdict.late,
                due_at=verdict.due_at if verdict.due_at is not None else _T.c.due_at,
                next_attempt_at=verdict.next_attempt_at,
                last_error=verdict.reason,
                lease_until=None,
                claimed_by=None,
                updated_at=now,
            )
        )


def deactivate(session, device_ids: list, now: datetime) -> None:
    """Stop sending to devices the push service called gone."""
    if device_ids:
        session.execute(
            update(Device)
            .where(Device.id.in_(device_ids))
            .values(active=False, deactivated_at=now)
            .execution_options(synchronize_session=False)
        )
