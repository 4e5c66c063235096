"""DELETE /api/v1/patients/{pid} (`me`): the patient deletes her account."""

from datetime import timedelta

from flask import current_app
from flask.views import MethodView

from bonecare.accounts.auth import current_user
from bonecare.clock import now
from bonecare.deletion import service
from bonecare.deletion.schemas import DeletionIn, DeletionOut
from bonecare.extensions import configured_limit, db, limiter
from bonecare.web import Blueprint

bp = Blueprint("deletion", __name__, url_prefix="/api/v1/patients", description="Deleting the patient's account")


# The profile's path (patients/routes.py serves its GET and PATCH): one resource, whose Allow lists all three.
@bp.route("/<pid>")
class Account(MethodView):
    @limiter.limit(configured_limit("BONECARE_AUTH_RATE_LIMIT"))  # a stolen token must not guess the password
    @bp.arguments(DeletionIn)
    @bp.response(202, DeletionOut)
    @bp.alt_response(429, response="TOO_MANY_REQUESTS")
    def delete(self, data, pid):
        """Delete the patient's own account (`me`), her password confirming it.

        At once every session is revoked, her clinicians lose access, her reminders stop and her devices are
        removed; from `erase_after` (BONECARE_DELETION_GRACE_DAYS, default 30, later) the worker erases her record
        for good. Signing in before then cancels the deletion (the login answers `deletion_cancelled: true`). A
        wrong password is a 403 of type password-wrong, and changes nothing; her clinician's call is a 403.
        """
        grace = timedelta(days=current_app.config["BONECARE_DELETION_GRACE_DAYS"])
        return service.delete_account(db.session, current_user(), pid, data["password"], grace, now())
