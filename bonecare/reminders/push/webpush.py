"""Web Push: VAPID (RFC 8292), aes128gcm encryption (RFC 8291), an explicit TTL and a Topic (RFC 8030)."""

import json
import socket

from bonecare.reminders.egress import Resolve
from bonecare.reminders.endpoints import endpoint_problem
from bonecare.reminders.push.base import Message, Outcome
from bonecare.reminders.push.http import HttpBackend, classify_status


class WebPushBackend(HttpBackend):
    """Web Push with VAPID, RFC 8291 aes128gcm encryption, an explicit TTL and a Topic."""

    name = "webpush"
    platforms = ("webpush",)

    def __init__(self, config: dict, resolve: Resolve = socket.getaddrinfo):
        super().__init__(config, resolve)
        from py_vapid import Vapid

        self.vapid = Vapid.from_string(self.setting("BONECARE_VAPID_PRIVATE_KEY", "a VAPID private key"))
        self.subject = config.get("BONECARE_VAPID_SUBJECT") or "mailto:admin@bonecare.invalid"

    def _send(self, device, message: Message) -> Outcome:
        from pywebpush import WebPushException, webpush

        problem = endpoint_problem(device.endpoint or "", self.allowed_hosts)
        if problem:
            return Outcome("error", f"endpoint refused: {problem}")
        subscription = {"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}}
        try:
            response = webpush(
                subscription,
                json.dumps(message.payload()),
                vapid_private_key=self.vapid,
                vapid_claims={"sub": self.subject},
                ttl=message.ttl_seconds,
                timeout=self.timeout,
                headers={"Topic": message.topic, "Urgency": "high"},
                requests_session=self.http,
            )
        except WebPushException as exc:
            if exc.response is None:
                return Outcome("error", str(exc)[:200])
            return classify_status(exc.response.status_code, exc.response)
        return classify_status(response.status_code, response)
