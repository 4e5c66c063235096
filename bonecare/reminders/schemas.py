"""Reminder, device and notification request and response schemas."""

from urllib.parse import urlsplit

import marshmallow as ma
from marshmallow import validate

from bonecare.intake.schemas import Dose, IntakeOut
from bonecare.reminders.endpoints import APNS_DEVICE_TOKEN
from bonecare.reminders.models import ACTIONS, OCCURRENCE_STATUSES
from bonecare.reminders.schedule import DAYS
from bonecare.web.schemas import AwareDateTime, ClientId, PageQuery, Strict, TimeOfDay, VersionedOut

KINDS = ("supplement", "exercise", "custom")
PLATFORMS = ("webpush", "fcm", "apns")
# A BCP 47 language tag, as a phone reports it (en-GB, pt_PT, zh-Hant-TW).
LOCALE = r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8}){0,3}$"


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


class ReminderOut(VersionedOut):
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
    token = ma.fields.String(
        validate=validate.Length(min=1, max=4096),
        metadata={"description": "FCM: the registration token; APNs: the device token in hex (64 to 200 digits)"},
    )
    app_version = ma.fields.String(validate=validate.Length(min=1, max=32), metadata={"example": "2.4.1"})
    locale = ma.fields.String(
        validate=validate.Regexp(LOCALE, error="A locale is a language tag such as en-GB or pt-PT."),
        metadata={"example": "pt-PT"},
    )

    @ma.validates_schema
    def _one_target(self, data, **kwargs):
        platform = data.get("platform")
        if platform == "webpush" and ("subscription" not in data or "token" in data):
            raise ma.ValidationError("A webpush device takes a subscription (and no token).", "subscription")
        if platform in ("fcm", "apns") and ("token" not in data or "subscription" in data):
            raise ma.ValidationError(f"An {platform} device takes a token (and no subscription).", "token")
        if platform == "apns" and not APNS_DEVICE_TOKEN.fullmatch(data["token"]):
            raise ma.ValidationError("An apns token is the device token in hex: 64 to 200 digits 0-9 and a-f.", "token")


def _masked_endpoint(device) -> str | None:
    """A Web Push endpoint shown as its push service's origin: the rest is as good as a password."""
    if not device.endpoint:
        return None
    parts = urlsplit(device.endpoint)
    return f"{parts.scheme}://{parts.netloc}/…"


def _masked_token(device) -> str | None:
    """A token shown by its last four characters, enough to tell two phones apart."""
    return f"…{device.token[-4:]}" if device.token else None


class DeviceOut(VersionedOut):
    id = ma.fields.UUID(metadata={"description": "the installation id it was PUT under (or made by a POST)"})
    platform = ma.fields.String(metadata={"enum": list(PLATFORMS)})
    endpoint = ma.fields.Function(
        _masked_endpoint,
        allow_none=True,
        metadata={"type": "string", "description": "Web Push: the push service's origin (the rest is masked)"},
    )
    token = ma.fields.Function(
        _masked_token,
        allow_none=True,
        metadata={"type": "string", "description": "FCM or APNs: the token's last four characters"},
    )
    app_version = ma.fields.String(allow_none=True)
    locale = ma.fields.String(allow_none=True)
    active = ma.fields.Boolean(
        attribute="receiving",
        metadata={"description": "reminders go to it: not deactivated, and its session not signed out"},
    )
    created_at = AwareDateTime()
    updated_at = AwareDateTime(allow_none=True)


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
