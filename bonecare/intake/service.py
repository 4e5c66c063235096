"""Intake use cases: the shared log book over the intake table."""

from bonecare.errors import Invalid
from bonecare.intake.models import Intake
from bonecare.logbook.service import LogBook


def _something_taken(entry: Intake) -> None:
    """An intake entry, as edited, still records some calcium or vitamin D."""
    if not (entry.calcium_mg > 0 or entry.vitamin_d_iu > 0):
        raise Invalid("At least one of calcium_mg and vitamin_d_iu must be above 0.", "calcium_mg")


intake = LogBook(Intake, "intake", "taken_at", check=_something_taken)
