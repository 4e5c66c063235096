"""What every push back-end shares: the message, the outcome of a send, the interface, and the two back-ends
that need no network (log, noop)."""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from bonecare.reminders.endpoints import b64url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """What one occurrence sends: generic words, its key (for collapsing) and how long it stays useful."""

    occurrence_id: str
    key: str
    title: str
    body: str
    ttl_seconds: int
    kind: str = "custom"
    actions: tuple[tuple[str, str], ...] = ()  # (action id, generic title): the buttons the notification offers

    def payload(self) -> dict:
        """The notification the app receives: no health detail, just words, where to go, and the actions (as the
        Notifications API's NotificationAction: {action, title}) the app posts back to /notifications/{id}/actions."""
        return {
            "title": self.title,
            "body": self.body,
            "tag": self.topic,
            "url": "/today",
            "occurrence_id": self.occurrence_id,
            "kind": self.kind,
            "actions": [{"action": action, "title": title} for action, title in self.actions],
        }

    @property
    def topic(self) -> str:
        """The collapse key sent for this occurrence: its key hashed to 32 URL-safe base64 characters (a Web Push
        Topic's limit), so that no push service reads what the key says (a "dxa:" key would tell of a scan)."""
        return b64url(hashlib.sha256(self.key.encode()).digest()[:24])


@dataclass(frozen=True)
class Outcome:
    """How one send went: ok, dead (device gone), retry (maybe later) or error (give up)."""

    kind: str
    detail: str = ""
    retry_after: timedelta | None = field(default=None)


OK = Outcome("ok")


class Backend:
    """Delivers a message to one device (or, for back-ends that need none, to the log)."""

    name = "base"
    platforms: tuple[str, ...] = ()  # the device platforms it delivers to; () means it needs no device

    def send(self, device, message: Message) -> Outcome:
        """Deliver one message to one device (None for device-less back-ends)."""
        raise NotImplementedError

    def map(self, func, items: list) -> list:
        """Run func over a batch's sends: one after another here; network back-ends overlap them."""
        return [func(item) for item in items]


class LogBackend(Backend):
    """Records and logs only (the default)."""

    name = "log"

    def send(self, device, message: Message) -> Outcome:
        """Log which occurrence fell due; never its words, which a patient may have written."""
        log.info("reminder %s delivered to the log back-end", message.occurrence_id)
        return OK


class NoopBackend(Backend):
    """Does nothing and succeeds (benchmarks)."""

    name = "noop"

    def send(self, device, message: Message) -> Outcome:
        """Succeed at once."""
        return OK
