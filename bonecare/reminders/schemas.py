"""Reminder, device and notification request and response schemas."""

import marshmallow as ma
from marshmallow import validate

from bonecare.intake.schemas import Dose, IntakeOut
from bonecare.reminders.models import ACTIONS, OCCURRENCE_STATUSES
from bonecare.reminders.schedule import DAYS
from bonecare.web.schemas import AwareDateTime, ClientId, PageQuery, Strict, TimeOfDay

KINDS = ("supplement", "exercise", "custom")
PLATFORMS = ("webpush", "fcm")


def _unique(values):
    if len(set(values)) != len(values):
        raise ma.ValidationError("Days must not repeat.")


_KIND = validate.OneOf(KINDS)
_DAYS = [validate.Length(min=1, max=7), _unique]
_DAYS_DOC = {"uniqueItems": True}  # what _unique checks
_TITLE = validate.Length(min=1, max=100)
_BODY = validate.Length(min=1, max=300)
_TIME_DOC = {"description": "local wall-clock time HH:MM in the patient's zone"}
_TITLE_DOC = {"description": "the patient's own words; default is generic"}
_SKIP_DOC = {
    "description": "skip a supplement reminder when the day's calcium and vitamin D targets are met, "
    "an exercise reminder when a session is logged that day"
}


_DOSE_DOC = {"description": "supplement reminders: the intake that the notification's `done` action logs, once"}


def _day():
    return ma.fields.String(validate=validate.OneOf(DAYS))


class ReminderPatch(Strict):
    """Any subset of a reminder's fields (not its id): an absent field keeps its value, so none has a default."""

    kind = ma.fields.String(validate=_KIND)
    time_of_day = TimeOfDay(metadata=_TIME_DOC)
    days_of_week = ma.fields.List(_day(), validate=_DAYS, metadata=_DAYS_DOC)
    title = ma.fields.String(allow_none=True, validate=_TITLE, metadata=_TITLE_DOC)
    body = ma.fields.String(allow_none=True, validate=_BODY)
    enabled = ma.fields.Boolean()
    skip_if_done = ma.fields.Boolean(metadata=_SKIP_DOC)
    log_on_done = ma.fields.Nested(Dose, allow_none=True, metadata=_DOSE_DOC)


class ReminderIn(ReminderPatch):
    """A new reminder rule: what it reminds of and when are required, the rest has defaults."""

    id = ClientId()
    kind = ma.fields.String(required=True, validate=_KIND)
    time_of_day = TimeOfDay(required=True, metadata=_TIME_DOC)
    days_of_week = ma.fields.List(_day(), load_default=list(DAYS), validate=_DAYS, metadata=_DAYS_DOC)
    title = ma.fields.String(load_default=None, allow_none=True, validate=_TITLE, metadata=_TITLE_DOC)
    body = ma.fields.String(load_default=None, allow_none=True, validate=_BODY)
    enabled = ma.fields.Boolean(load_default=True)
    skip_if_done = ma.fields.Boolean(load_default=True, metadata=_SKIP_DOC)
    log_on_done = ma.fields.Nested(Dose, load_default=None, allow_none=True, metadata=_DOSE_DOC)


class ReminderOut(ma.Schema):
    id = ma.fields.UUID()
    kind = ma.fields.String()
    time_of_day = ma.fields.String()
    days_of_week = ma.fields.List(ma.fields.String())
    title = ma.fields.String(allow_none=True)
    body = ma.fields.String(allow_none=True)
    enabled = ma.fields.Boolean()
    skip_if_done = ma.fields.Boolean()
    log_on_done = ma.fields.Nested(Dose, allow_none=True)
    next_fire_at = AwareDateTime(allow_none=True)
    created_at = AwareDateTime()
    updated_at = AwareDateTime()


class SubscriptionKeys(Strict):
    p256dh = ma.fields.String(required=True, validate=validate.Length(max=200))
    auth = ma.fields.String(required=True, validate=validate.Length(max=100))


class Subscription(Strict):
    endpoint = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000))
    keys = ma.fields.Nested(SubscriptionKeys, required=True)
    expirationTime = ma.fields.Float(  # noqa: N815 - the browser's own name
        load_default=None,
        allow_none=True,
        allow_nan=False,
        validate=validate.Range(0, 2**53),  # milliseconds since the epoch, as a JavaScript number holds them
        metadata={"description": "as PushSubscription.toJSON() gives it (a time in ms, or null); ignored"},
    )


class DeviceIn(Strict):
    platform = ma.fields.String(required=True, validate=validate.OneOf(PLATFORMS))
    subscription = ma.fields.Nested(Subscription, metadata={"description": "Web Push: PushSubscription.toJSON()"})
    token = ma.fields.String(validate=validate.Length(min=1, max=4096), metadata={"description": "FCM token"})

    @ma.validates_schema
    def _one_target(self, data, **kwargs):
        if data.get("platform") == "webpush" and ("subscription" not in data or "token" in data):
            raise ma.ValidationError("A webpush device takes a subscription (and no token).", "subscription")
        if data.get("platform") == "fcm" and ("token" not in data or "subscription" in data):
            raise ma.ValidationError("An fcm device takes a token (and no subscription).", "token")


class DeviceOut(ma.Schema):
    id = ma.fields.UUID()
    platform = ma.fields.String()
    endpoint = ma.fields.String(allow_none=True)
    active = ma.fields.Boolean()
    created_at = AwareDateTime()


# "claimed" is an internal state: the API shows (and filters) it as "pending"
NOTIFICATION_STATUSES = tuple(s for s in OCCURRENCE_STATUSES if s != "claimed")


class NotificationQuery(PageQuery):
    status = ma.fields.String(load_default=None, validate=validate.OneOf(NOTIFICATION_STATUSES))


class NotificationOut(ma.Schema):
    id = ma.fields.UUID()
    kind = ma.fields.String()
    title = ma.fields.String()
    body = ma.fields.String()
    scheduled_for = AwareDateTime(attribute="due_at")
    status = ma.fields.Function(
        lambda o: "pending" if o.status == "claimed" else o.status,
        metadata={"type": "string", "enum": list(NOTIFICATION_STATUSES)},
    )
    sent_at = AwareDateTime(allow_none=True)
    attempts = ma.fields.Integer()
    late = ma.fields.Boolean()
    opened_at = AwareDateTime(allow_none=True)
    action = ma.fields.String(allow_none=True, metadata={"description": "done, snooze or dismiss: the last taken"})
    acted_at = AwareDateTime(allow_none=True)


class ActionIn(Strict):
    action = ma.fields.String(required=True, validate=validate.OneOf(ACTIONS))
    snooze_minutes = ma.fields.Integer(
        load_default=15, validate=validate.Range(1, 240), metadata={"description": "snooze: how much later"}
    )


class ActionOut(ma.Schema):
    notification = ma.fields.Nested(NotificationOut, required=True)
    intake = ma.fields.Nested(
        IntakeOut, allow_none=True, metadata={"description": "done: the intake logged (the same one on a retry)"}
    )
