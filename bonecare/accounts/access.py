"""The one access policy: who may see and change which patient's record."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bonecare.accounts.models import CareTeamMember, User
from bonecare.audit.service import record
from bonecare.database import locked
from bonecare.errors import Forbidden, NotFound

_HIDDEN = "No such patient."

PATIENT, CLINICIAN, BOTH, NOBODY = ("patient",), ("clinician",), ("patient", "clinician"), ()


@dataclass(frozen=True)
class Rule:
    """Which roles (among those who may see the patient at all) may read a resource, and which may change it."""

    readers: tuple[str, ...]
    writers: tuple[str, ...]


# The one access policy, a row per resource of a patient's record. Whether a caller may see the patient at all
# (herself, or a clinician on her care team) is decided first: a stranger gets a 404, never a 403.
POLICY = {
    "profile": Rule(BOTH, PATIENT),  # her account's deletion is a delete of her profile
    "intake": Rule(BOTH, PATIENT),
    "exercise": Rule(BOTH, PATIENT),
    "habits": Rule(BOTH, PATIENT),
    "reminders": Rule(BOTH, PATIENT),
    "devices": Rule(BOTH, PATIENT),
    "notifications": Rule(BOTH, PATIENT),
    "care_team": Rule(PATIENT, PATIENT),
    "access_log": Rule(PATIENT, NOBODY),
    "care_plan": Rule(BOTH, CLINICIAN),
    "dxa_appointments": Rule(BOTH, CLINICIAN),
    "dxa_results": Rule(BOTH, CLINICIAN),
    "labs": Rule(BOTH, CLINICIAN),
    "treatments": Rule(BOTH, CLINICIAN),
    "today": Rule(BOTH, NOBODY),
    "adherence": Rule(BOTH, NOBODY),
    "assessment": Rule(BOTH, NOBODY),
    "report": Rule(BOTH, NOBODY),
    "education": Rule(BOTH, NOBODY),
    "changes": Rule(BOTH, NOBODY),
    "export": Rule(BOTH, NOBODY),
}
READS = ("read", "list")


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
    resource_id=None,
    now: datetime,
    lock: bool = True,
) -> RecordAccess:
    """The patient behind `pid` ("me" or an id) if the caller may see her (else 404) and POLICY lets the caller's
    role take this action on this resource (else 403). A write takes her row's lock (held to the commit), unless
    lock=False says that the use case checks nothing before its first statement takes it (a log's create, whose
    version stamp is that statement). A clinician's access is added to the access log in the caller's
    transaction: the use case commits it with the rest, or not at all."""
    if pid == "me":
        patient_id = caller.id if caller.role == "patient" else None
    else:
        try:
            patient_id = uuid.UUID(pid)
        except ValueError:
            patient_id = None
    if patient_id is None or not _can_see(session, caller, patient_id):
        raise NotFound(_HIDDEN)
    if action in READS or not lock:
        patient = caller if caller.id == patient_id else session.get(User, patient_id)
    else:  # her row's lock first: writes that check (If-Match, quotas) then write take turns, reading what is
        patient = locked(session, User, User.id, patient_id)  # committed, the profile included
    if patient is None or patient.role != "patient":
        raise NotFound(_HIDDEN)
    allowed = POLICY[resource].readers if action in READS else POLICY[resource].writers
    if caller.role not in allowed:
        noun = resource.replace("_", " ")
        raise Forbidden(
            f"Only the {' or '.join(allowed)} may {action} {noun}." if allowed else f"No one may {action} {noun}."
        )
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
    return access
