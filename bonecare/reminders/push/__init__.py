"""Push back-ends behind one small interface, chosen by BONECARE_PUSH_BACKEND: log, noop, or one or more of
webpush, fcm and apns (comma-separated), each device going through its platform's."""

from bonecare.reminders.push.apns import ApnsBackend
from bonecare.reminders.push.base import Backend, LogBackend, Message, NoopBackend, Outcome
from bonecare.reminders.push.fcm import FcmBackend
from bonecare.reminders.push.http import HttpBackend, Overlapped
from bonecare.reminders.push.webpush import WebPushBackend

BACKENDS = {"log": LogBackend, "noop": NoopBackend, "webpush": WebPushBackend, "fcm": FcmBackend, "apns": ApnsBackend}
DEVICELESS = ("log", "noop")


class CompositeBackend(Overlapped):
    """Several device back-ends at once: each device goes through the one for its platform."""

    def __init__(self, backends: list[Backend]):
        self.by_platform = {platform: backend for backend in backends for platform in backend.platforms}
        self.platforms = tuple(self.by_platform)
        self.name = ",".join(backend.name for backend in backends)

    def send(self, device, message: Message) -> Outcome:
        """Send through the device's platform's back-end; a platform none of them serves is a failed send."""
        backend = self.by_platform.get(device.platform)
        if backend is None:
            return Outcome("error", f"no push back-end for platform {device.platform!r}")
        return backend.send(device, message)


def _make(config) -> Backend:
    """The back-end(s) BONECARE_PUSH_BACKEND names; an unknown name, or log or noop in a list, stops the worker."""
    listed = (config.get("BONECARE_PUSH_BACKEND") or "log").split(",")
    names = list(dict.fromkeys(name.strip() for name in listed if name.strip())) or ["log"]
    for name in names:
        if name not in BACKENDS:
            raise RuntimeError(f"unknown BONECARE_PUSH_BACKEND {name!r}; one of {', '.join(BACKENDS)}")
    if len(names) > 1 and set(names) & set(DEVICELESS):
        raise RuntimeError(f"BONECARE_PUSH_BACKEND: {' and '.join(DEVICELESS)} stand alone, not in a list")
    made = [BACKENDS[name](config) if issubclass(BACKENDS[name], HttpBackend) else BACKENDS[name]() for name in names]
    return made[0] if len(made) == 1 else CompositeBackend(made)


def backend_for(app) -> Backend:
    """The app's push back-end (BONECARE_PUSH_BACKEND), made once."""
    backend = app.extensions.get("bonecare.push")
    if backend is None:
        backend = app.extensions["bonecare.push"] = _make(app.config)
    return backend
