"""Treatment use cases: clinicians record and change courses, the patient and her clinicians read them."""

from datetime import datetime

from bonecare.dxa.service import Records
from bonecare.errors import Invalid
from bonecare.guidance import targets as t
from bonecare.localtime import local_today
from bonecare.treatments.models import Treatment

_FIELDS = ("agent", "started_on", "stopped_on", "last_dose_on", "dose_interval_days", "note")

treatments = Records(Treatment, "treatments", "started_on", past=True, noun="treatment")


def _check(patient, data: dict, now: datetime) -> None:
    """A course stops on or after its start; its last dose falls within it and not after today."""
    if data["stopped_on"] is not None and data["stopped_on"] < data["started_on"]:
        raise Invalid("A treatment cannot stop before it starts.", "stopped_on")
    last = data["last_dose_on"]
    if last is not None:
        if last < data["started_on"]:
            raise Invalid("The last dose cannot come before the start.", "last_dose_on")
        if data["stopped_on"] is not None and last > data["stopped_on"]:
            raise Invalid("The last dose cannot come after the stop.", "last_dose_on")
        if last > local_today(patient.timezone, now):
            raise Invalid("The last dose is after the patient's today.", "last_dose_on")


def start(session, caller, pid, data: dict, now: datetime):
    """Record a course (a clinician), or recognise a retry of the same id: returns (treatment, created)."""
    return treatments.create(session, caller, pid, data, now, check=lambda _s, patient, d: _check(patient, d, now))


def change(session, caller, pid, treatment_id, changes: dict, expected: int | None, now: datetime) -> Treatment:
    """Stop a course, record a dose or correct a field (a clinician; If-Match: at the version expected)."""

    def merge(patient, treatment: Treatment) -> dict:
        merged = {f: changes.get(f, getattr(treatment, f)) for f in _FIELDS}
        if "agent" in changes and "dose_interval_days" not in changes:  # the old agent's interval would mislead
            merged["dose_interval_days"] = t.DOSE_INTERVAL_DAYS.get(merged["agent"])
        if "started_on" in changes:
            treatments.check_date(patient, merged["started_on"], now)
        _check(patient, merged, now)
        return merged

    return treatments.edit(session, caller, pid, treatment_id, merge, expected, now)
