"""The one access policy: who may see and change which patient's record."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bonecare.accounts.models import CareTeamMember, User
from bonecare.audit.service import record
from bonecare.errors import Forbidden, NotFound

_HIDDEN = "No such patient."


@dataclass(frozen=True)
class RecordAccess:
    """A caller's access to one patient's record."""

    caller: User
    patient: User

    @property
    def is_self(self) -> bool:
        """Whether the caller is the patient."""
        return self.caller.id == self.patient.id

    @property
    def audience(self) -> str:
        """Whose wording the caller reads: the patient's or the clinician's."""
        return "patient" if self.is_self else "clinician"


def _can_see(session, caller: User, patient_id: uuid.UUID) -> bool:
    if caller.role == "patient":
        return caller.id == patient_id
    if caller.role == "clinician":
        return (
            session.scalar(
                select(CareTeamMember.patient_id).where(
                    CareTeamMember.patient_id == patient_id, CareTeamMember.clinician_id == caller.id
                )
            )
            is not None
        )
    return False


def open_record(
    session,
    caller: User,
    pid: str,
    *,
    resource: str,
    action: str = "read",
    writers: tuple[str, ...] = ("patient",),
    resource_id=None,
    now: datetime,
) -> RecordAccess:
    """The patient behind `pid` ("me" or an id) if the caller may see her (else 404), may take
    this action (else 403); a clinician's access is logged in the same transaction."""
    if pid == "me":
        patient_id = caller.id if caller.role == "patient" else None
    else:
        try:
            patient_id = uuid.UUID(pid)
        except ValueError:
            patient_id = None
    if patient_id is None or not _can_see(session, caller, patient_id):
        raise NotFound(_HIDDEN)
    patient = caller if caller.id == patient_id else session.get(User, patient_id)
    if patient is None or patient.role != "patient":
        raise NotFound(_HIDDEN)
    if action != "read" and caller.role not in writers:
        raise Forbidden(f"Only the {' or '.join(writers)} may {action} {resource.replace('_', ' ')}.")
    access = RecordAccess(caller, patient)
    if not access.is_self:
        record(
            session,
            patient_id=patient.id,
            actor_id=caller.id,
            action=action,
            resource=resource,
            resource_id=resource_id,
            at=now,
        )
        if action == "read":
            session.commit()
    return access
