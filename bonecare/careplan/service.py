"""Care-plan use cases: the stored plan or the guidance's defaults."""

from datetime import datetime

from sqlalchemy import select

from bonecare.accounts.access import open_record
from bonecare.accounts.sync import check_version, stamp
from bonecare.careplan.models import CarePlan
from bonecare.database import holds, insert_for
from bonecare.guidance.targets import care_plan_defaults

_FIELDS = tuple(care_plan_defaults())
# Not targets: they do not make a plan differ from the guidance's defaults.
_OTHER = ("ceiling_reason", "exemestane_started_on", "exemestane_stopped_on")
_NO_OTHER = dict.fromkeys(_OTHER)


def targets_for(session, patient_id) -> dict:
    """The patient's targets: what a clinician set, else the guidance defaults (version 0, never written)."""
    plan = session.get(CarePlan, patient_id)
    if plan is None:
        return {**care_plan_defaults(), **_NO_OTHER, "is_default": True, "version": 0, "updated_at": None}
    values = {f: getattr(plan, f) for f in _FIELDS}
    other = {f: getattr(plan, f) for f in _OTHER}
    sync = {"version": plan.version, "updated_at": plan.updated_at}
    return {**values, **other, "is_default": values == care_plan_defaults(), **sync}


def get(session, caller, pid, now: datetime) -> dict:
    """The patient's care plan."""
    access = open_record(session, caller, pid, resource="care_plan", now=now)
    plan = targets_for(session, access.patient.id)
    session.commit()
    return plan


def put(session, caller, pid, data: dict, expected: int | None, now: datetime) -> dict:
    """Replace the care plan (a clinician on the care team; If-Match: at the version expected, 0 for the
    defaults); the same targets again store nothing."""
    access = open_record(session, caller, pid, resource="care_plan", action="update", now=now)
    patient_id = access.patient.id
    check_version(targets_for(session, patient_id), expected)
    chosen = {f: data[f] for f in (*_FIELDS, *_OTHER)}
    if not holds(session.get(CarePlan, patient_id), chosen):
        values = {**chosen, "updated_at": now, "updated_by": access.caller.id}
        # One upsert: two first PUTs at once both land (the later one wins) instead of colliding on the key.
        plan = session.scalars(
            insert_for(session)(CarePlan)
            .values(patient_id=patient_id, **values)
            .on_conflict_do_update(index_elements=["patient_id"], set_=values)
            .returning(CarePlan)
            .execution_options(populate_existing=True)
        ).one()
        stamp(session, patient_id, plan, now)
    session.commit()
    return targets_for(session, patient_id)


def targets_for_many(session, patient_ids) -> dict:
    """patient id -> targets, for many patients in one query."""
    plans = {p.patient_id: p for p in session.scalars(select(CarePlan).where(CarePlan.patient_id.in_(patient_ids)))}
    defaults = {**care_plan_defaults(), **_NO_OTHER}  # shared by every patient without a plan: read, never changed
    return {
        pid: {f: getattr(plans[pid], f) for f in (*_FIELDS, *_OTHER)} if pid in plans else defaults
        for pid in patient_ids
    }
