"""/api/v1/patients/{pid}/exercise"""

from bonecare.exercise.schemas import ExerciseIn, ExerciseOut, ExercisePatch
from bonecare.exercise.service import exercise
from bonecare.logbook.routes import log_blueprint

bp = log_blueprint(exercise, ExerciseIn, ExercisePatch, ExerciseOut, noun="exercise", description="Exercise sessions")
