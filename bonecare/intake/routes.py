"""/api/v1/patients/{pid}/intake"""

from bonecare.intake.schemas import IntakeIn, IntakeOut, IntakePatch
from bonecare.intake.service import intake
from bonecare.logbook.routes import log_blueprint

bp = log_blueprint(intake, IntakeIn, IntakePatch, IntakeOut, noun="intake", description="Calcium and vitamin D intake")
