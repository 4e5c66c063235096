"""/api/v1/patients/{pid}/dxa/appointments, /dxa/results and /labs"""

import uuid

from flask.views import MethodView

from bonecare.accounts.auth import current_user
from bonecare.clock import now
from bonecare.dxa import service
from bonecare.dxa.schemas import (
    AppointmentIn,
    AppointmentOut,
    AppointmentPatch,
    LabIn,
    LabOut,
    ListQuery,
    ResultIn,
    ResultOut,
)
from bonecare.extensions import db
from bonecare.web import Blueprint
from bonecare.web.schemas import PageQuery, page_of
from bonecare.web.versions import conditional, if_match, tagged

bp = Blueprint("dxa", __name__, url_prefix="/api/v1/patients", description="DXA appointments and results, labs")

_RETRY = "a retry of a record already stored (same id and body)"


@bp.route("/<pid>/dxa/appointments")
class Appointments(MethodView):
    @bp.arguments(ListQuery, location="query")
    @bp.response(200, page_of(AppointmentOut, "DxaAppointmentPage"))
    def get(self, query, pid):
        """Booked DXA appointments, latest date first."""
        return service.appointments.list_(db.session, current_user(), pid, query, now())

    @bp.arguments(AppointmentIn)
    @bp.response(201, AppointmentOut)
    @bp.alt_response(200, schema=AppointmentOut, description=_RETRY)
    def post(self, data, pid):
        """Book a DXA (clinician); less than 12 months after the last DXA needs override_reason."""
        appointment, created = service.book(db.session, current_user(), pid, data, now())
        return appointment, 201 if created else 200


@bp.route("/<pid>/dxa/appointments/<uuid:appointment_id>")
class Appointment(MethodView):
    @bp.response(200, AppointmentOut)
    def get(self, pid, appointment_id: uuid.UUID):
        """One appointment, with its version as ETag."""
        return tagged(service.appointments.get(db.session, current_user(), pid, appointment_id, now()))

    @bp.arguments(AppointmentPatch)
    @bp.response(200, AppointmentOut)
    @conditional(AppointmentOut)
    def patch(self, changes, pid, appointment_id: uuid.UUID):
        """Move or annotate an appointment (clinician)."""
        return tagged(service.change(db.session, current_user(), pid, appointment_id, changes, if_match(), now()))

    @bp.response(204)
    @conditional(AppointmentOut)
    def delete(self, pid, appointment_id: uuid.UUID):
        """Cancel an appointment (clinician); a tombstone is kept, its reminders are withdrawn; cancelling again is
        a 204."""
        service.appointments.delete(db.session, current_user(), pid, appointment_id, if_match(), now())


@bp.route("/<pid>/dxa/results")
class Results(MethodView):
    @bp.arguments(PageQuery, location="query")
    @bp.response(200, page_of(ResultOut, "DxaResultPage"))
    def get(self, query, pid):
        """DXA results, latest first."""
        return service.results.list_(db.session, current_user(), pid, query, now())

    @bp.arguments(ResultIn)
    @bp.response(201, ResultOut)
    @bp.alt_response(200, schema=ResultOut, description=_RETRY)
    def post(self, data, pid):
        """Record a DXA result (clinician): T-scores, FRAX, vertebral fractures."""
        result, created = service.results.create(db.session, current_user(), pid, data, now())
        return result, 201 if created else 200


@bp.route("/<pid>/labs")
class Labs(MethodView):
    @bp.arguments(PageQuery, location="query")
    @bp.response(200, page_of(LabOut, "LabPage"))
    def get(self, query, pid):
        """25-OH vitamin D levels, latest first."""
        return service.labs.list_(db.session, current_user(), pid, query, now())

    @bp.arguments(LabIn)
    @bp.response(201, LabOut)
    @bp.alt_response(200, schema=LabOut, description=_RETRY)
    def post(self, data, pid):
        """Record a 25-OH vitamin D level (clinician)."""
        lab, created = service.labs.create(db.session, current_user(), pid, data, now())
        return lab, 201 if created else 200
