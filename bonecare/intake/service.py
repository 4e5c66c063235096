"""Intake use cases: the shared log book over the intake table."""

from bonecare.intake.models import Intake
from bonecare.logbook.service import LogBook

intake = LogBook(Intake, "intake", "taken_at")
