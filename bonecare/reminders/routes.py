"""/api/v1/patients/{pid}/reminders, /devices, /notifications and their actions"""

from flask import current_app
from flask.views import MethodView

from bonecare.accounts.auth import current_sid, current_user
from bonecare.clock import now
from bonecare.extensions import db
from bonecare.reminders import actions, service
from bonecare.reminders.schemas import (
    ActionIn,
    ActionOut,
    DeviceIn,
    DeviceOut,
    NotificationOut,
    NotificationQuery,
    ReminderIn,
    ReminderOut,
    ReminderPatch,
)
from bonecare.web import Blueprint
from bonecare.web.schemas import PageQuery, page_of
from bonecare.web.versions import conditional, if_match, tagged

bp = Blueprint(
    "reminders",
    __name__,
    url_prefix="/api/v1/patients",
    description="Reminder rules, push devices and the notifications sent",
)


@bp.route("/<pid>/reminders")
class ReminderList(MethodView):
    @bp.arguments(PageQuery, location="query")
    @bp.response(200, page_of(ReminderOut, "ReminderPage"))
    def get(self, query, pid):
        """The patient's reminder rules."""
        return service.list_reminders(db.session, current_user(), pid, query, now())

    @bp.arguments(ReminderIn)
    @bp.response(201, ReminderOut)
    @bp.alt_response(200, schema=ReminderOut, description="a retry with the same id and body")
    def post(self, data, pid):
        """Add a reminder rule (the patient)."""
        view, created = service.create_reminder(db.session, current_user(), pid, data, now())
        return view, 201 if created else 200


@bp.route("/<pid>/reminders/<uuid:reminder_id>")
class ReminderItem(MethodView):
    @bp.arguments(ReminderPatch)
    @bp.response(200, ReminderOut)
    @conditional(ReminderOut)
    def patch(self, changes, pid, reminder_id):
        """Change a reminder rule; future pending reminders are re-planned."""
        return tagged(service.update_reminder(db.session, current_user(), pid, reminder_id, changes, if_match(), now()))

    @bp.response(204)
    @conditional(ReminderOut)
    def delete(self, pid, reminder_id):
        """Delete a reminder rule; its pending reminders are cancelled; deleting it again is a 204."""
        service.delete_reminder(db.session, current_user(), pid, reminder_id, if_match(), now())


def _register(data, pid, installation_id=None, expected=None):
    allowed = current_app.config.get("BONECARE_PUSH_ALLOWED_HOSTS") or []
    device, created = service.register_device(
        db.session, current_user(), current_sid(), pid, data, allowed, now(), installation_id, expected
    )
    return device, 201 if created else 200


@bp.route("/<pid>/devices")
class DeviceList(MethodView):
    @bp.arguments(PageQuery, location="query")
    @bp.response(200, page_of(DeviceOut, "DevicePage"))
    def get(self, query, pid):
        """The patient's push devices, oldest first; their tokens and endpoints masked."""
        return service.list_devices(db.session, current_user(), pid, query, now())

    @bp.arguments(DeviceIn)
    @bp.response(201, DeviceOut)
    @bp.alt_response(200, schema=DeviceOut, description="the same target again (refreshed)")
    @bp.alt_response(409, response="CONFLICT")
    def post(self, data, pid):
        """Register a push target, bound to this session (prefer PUT with the app's installation id)."""
        return _register(data, pid)


@bp.route("/<pid>/devices/<uuid:installation_id>")
class DeviceItem(MethodView):
    @bp.arguments(DeviceIn)
    @bp.response(201, DeviceOut)
    @bp.alt_response(200, schema=DeviceOut, description="the install's device updated (a token refresh)")
    @bp.alt_response(409, response="CONFLICT")
    @conditional(DeviceOut)
    def put(self, data, pid, installation_id):
        """Register this app install's push target, or change it: a token refresh is one call. The device is
        bound to this session; signing out stops its reminders. A 409 when another account still signed in
        holds the target or the install, or when the install's device was deleted (409 deleted)."""
        return tagged(*_register(data, pid, installation_id, if_match()))

    @bp.response(204)
    @conditional(DeviceOut)
    def delete(self, pid, installation_id):
        """Stop sending to a device (its installation id, or the id a POST answered); a tombstone is kept, and
        deleting again is a 204."""
        service.delete_device(db.session, current_user(), pid, installation_id, if_match(), now())


@bp.route("/<pid>/notifications")
class NotificationList(MethodView):
    @bp.arguments(NotificationQuery, location="query")
    @bp.response(200, page_of(NotificationOut, "NotificationPage"))
    def get(self, query, pid):
        """Reminders as planned and sent, newest first."""
        return service.list_notifications(db.session, current_user(), pid, query, now())


@bp.route("/<pid>/notifications/<uuid:notification_id>/actions")
class NotificationActions(MethodView):
    @bp.arguments(ActionIn)
    @bp.response(200, ActionOut)
    def post(self, data, pid, notification_id):
        """What the patient did with a notification: opened, done (logs the rule's dose, once), snooze (sent
        again later, once) or dismiss (the patient)."""
        return actions.act(db.session, current_user(), pid, notification_id, data, now())
