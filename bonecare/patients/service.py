"""Profile use cases."""

from datetime import datetime

from bonecare.accounts.access import open_record
from bonecare.accounts.models import User
from bonecare.accounts.sync import check_version, stamp
from bonecare.database import assign


def get_profile(session, caller, pid, now: datetime) -> User:
    """The patient's profile."""
    patient = open_record(session, caller, pid, resource="profile", now=now).patient
    session.commit()
    return patient


def update_profile(session, caller, pid, changes: dict, expected: int | None, now: datetime) -> User:
    """Change the patient's own profile (If-Match: at the version expected); reminders re-plan from the new zone
    on their next pass."""
    patient = open_record(session, caller, pid, resource="profile", action="update", now=now).patient
    check_version(patient, expected)
    if "quiet_hours" in changes:
        quiet = changes.pop("quiet_hours") or {}
        changes.update(quiet_start=quiet.get("start"), quiet_end=quiet.get("end"))
    if assign(patient, changes):
        stamp(session, patient.id, patient, now)
    session.commit()
    return patient
