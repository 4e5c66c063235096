"""Exercise use cases: the shared log book over the exercise table."""

from bonecare.exercise.models import Exercise
from bonecare.logbook.service import LogBook

exercise = LogBook(Exercise, "exercise", "started_at")
