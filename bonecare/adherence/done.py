"""Which local days a patient already did what a reminder would ask of her: the day's calcium and vitamin D
targets met, an exercise session logged. Each is one query over many (patient, local date) pairs."""

from sqlalchemy import func, select, tuple_

from bonecare.careplan.service import targets_for_many
from bonecare.exercise.models import Exercise
from bonecare.intake.models import Intake


def targets_met(session, pairs: set[tuple]) -> set[tuple]:
    """The (patient id, local date) pairs whose logged calcium AND vitamin D reach that patient's targets."""
    if not pairs:
        return set()
    totals = session.execute(
        select(Intake.patient_id, Intake.local_date, func.sum(Intake.calcium_mg), func.sum(Intake.vitamin_d_iu))
        .where(tuple_(Intake.patient_id, Intake.local_date).in_(list(pairs)), Intake.deleted_at.is_(None))
        .group_by(Intake.patient_id, Intake.local_date)
    ).all()
    targets = targets_for_many(session, list({patient_id for patient_id, *_ in totals}))
    return {
        (patient_id, day)
        for patient_id, day, calcium, vitamin_d in totals
        if calcium >= targets[patient_id]["calcium_mg_min"] and vitamin_d >= targets[patient_id]["vitamin_d_iu_min"]
    }


def exercised(session, pairs: set[tuple]) -> set[tuple]:
    """The (patient id, local date) pairs with an exercise session logged."""
    if not pairs:
        return set()
    rows = session.execute(
        select(Exercise.patient_id, Exercise.local_date)
        .where(tuple_(Exercise.patient_id, Exercise.local_date).in_(list(pairs)), Exercise.deleted_at.is_(None))
        .distinct()
    ).all()
    return {(patient_id, day) for patient_id, day in rows}
