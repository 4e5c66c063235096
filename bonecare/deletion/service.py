"""The deletion use case: one transaction over the account (accounts.service) and its reminders."""

from datetime import datetime, timedelta

from bonecare.accounts import service as accounts
from bonecare.accounts.models import User
from bonecare.reminders.service import silence


def delete_account(session, patient: User, password: str, grace: timedelta, now: datetime) -> dict:
    """Her password confirmed (else a 403, nothing changed): every session revoked, her care team ended, her
    devices removed and her reminders stopped, and her erasure set for `now + grace`."""
    patient = accounts.request_deletion(session, patient, password, grace, now)
    silence(session, patient.id, now)
    session.commit()
    return {"erase_after": patient.erase_after}
