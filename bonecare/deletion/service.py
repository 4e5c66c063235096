"""The deletion use case: one transaction over the account (accounts.service) and its reminders."""

from datetime import datetime, timedelta

from bonecare.accounts import service as accounts
from bonecare.accounts.access import open_record
from bonecare.accounts.models import User
from bonecare.reminders.service import silence


def delete_account(session, caller: User, pid: str, password: str, grace: timedelta, now: datetime) -> dict:
    """The patient's own account, her password confirming it (else a 403, nothing changed): every session revoked,
    her care team ended, her devices removed and her reminders stopped, and her erasure set for `now + grace`."""
    patient = open_record(session, caller, pid, resource="profile", action="delete", now=now).patient
    accounts.request_deletion(session, patient, password, grace, now)
    silence(session, patient.id, now)
    session.commit()
    return {"erase_after": patient.erase_after}
