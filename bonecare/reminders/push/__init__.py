"""Push back-ends behind one small interface, chosen by BONECARE_PUSH_BACKEND: log, noop, webpush, fcm and apns."""

from bonecare.reminders.push.apns import ApnsBackend
from bonecare.reminders.push.base import Backend, LogBackend, NoopBackend
from bonecare.reminders.push.fcm import FcmBackend
from bonecare.reminders.push.http import HttpBackend
from bonecare.reminders.push.webpush import WebPushBackend

BACKENDS = {"log": LogBackend, "noop": NoopBackend, "webpush": WebPushBackend, "fcm": FcmBackend, "apns": ApnsBackend}


def backend_for(app) -> Backend:
    """The app's push back-end (BONECARE_PUSH_BACKEND), made once."""
    backend = app.extensions.get("bonecare.push")
    if backend is None:
        name = app.config.get("BONECARE_PUSH_BACKEND") or "log"
        if name not in BACKENDS:
            raise RuntimeError(f"unknown BONECARE_PUSH_BACKEND {name!r}; one of {', '.join(BACKENDS)}")
        cls = BACKENDS[name]
        backend = cls(app.config) if issubclass(cls, HttpBackend) else cls()
        app.extensions["bonecare.push"] = backend
    return backend
