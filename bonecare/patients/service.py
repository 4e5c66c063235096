"""Profile use cases."""

from datetime import datetime

from bonecare.accounts.access import open_record
from bonecare.accounts.models import User


def get_profile(session, caller, pid, now: datetime) -> User:
    """The patient's profile."""
    patient = open_record(session, caller, pid, resource="profile", now=now).patient
    session.commit()
    return patient


def update_profile(session, caller, pid, changes: dict, now: datetime) -> User:
    """Change the patient's own profile; reminders re-plan from the new zone on their next pass."""
    patient = open_record(session, caller, pid, resource="profile", action="update", now=now).patient
    if "quiet_hours" in changes:
        quiet = changes.pop("quiet_hours") or {}
        patient.quiet_start, patient.quiet_end = quiet.get("start"), quiet.get("end")
    for field, value in changes.items():
        setattr(patient, field, value)
    session.commit()
    return patient
