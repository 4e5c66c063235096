"""/api/v1/patients/{pid} — the profile."""

from flask.views import MethodView

from bonecare.accounts.auth import current_user
from bonecare.clock import now
from bonecare.extensions import db
from bonecare.patients import service
from bonecare.patients.schemas import ProfileOut, ProfilePatch
from bonecare.web import Blueprint
from bonecare.web.versions import conditional, if_match, tagged

bp = Blueprint("patients", __name__, url_prefix="/api/v1/patients", description="The patient's profile")


@bp.route("/<pid>")
class Profile(MethodView):
    @bp.response(200, ProfileOut)
    def get(self, pid):
        """The patient's profile, with its version as ETag."""
        return tagged(service.get_profile(db.session, current_user(), pid, now()))

    @bp.arguments(ProfilePatch)
    @bp.response(200, ProfileOut)
    @conditional(ProfileOut)
    def patch(self, changes, pid):
        """Change the profile (time zone, smoking status, quiet hours, name)."""
        return tagged(service.update_profile(db.session, current_user(), pid, changes, if_match(), now()))
