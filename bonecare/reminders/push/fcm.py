"""FCM HTTP v1: one message per registration token, authorised by a service account's OAuth2 token that
google-auth obtains and caches, through the guarded session like every other request of the worker."""

import json
import socket
import threading
import time

from google.auth.exceptions import RefreshError, TransportError
from google.auth.transport.requests import Request
from google.oauth2 import service_account

from bonecare.reminders.egress import Resolve
from bonecare.reminders.push.base import Message, Outcome
from bonecare.reminders.push.http import HttpBackend, classify_status

FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"


class TokenRefused(Exception):
    """The token endpoint granted no access token; `status` is its HTTP answer."""

    def __init__(self, status: int | None):
        super().__init__(f"token endpoint answered {status}")
        self.status = status


class _TokenRequest(Request):
    """google-auth's requests transport over the guarded session, with our timeout (not its 120 s); it keeps
    the token endpoint's last status, which google-auth's error does not carry."""

    def __init__(self, session, timeout: float):
        super().__init__(session)
        self.timeout = timeout
        self.status = None

    def __call__(self, url, method="GET", body=None, headers=None, timeout=None, **kwargs):
        """Send one request of the token flow."""
        response = super().__call__(url, method, body, headers, timeout=self.timeout, **kwargs)
        self.status = response.status
        return response


class FcmBackend(HttpBackend):
    """FCM HTTP v1 with a service account's credentials (BONECARE_FCM_CREDENTIALS, its JSON key file)."""

    name = "fcm"
    platforms = ("fcm",)

    def __init__(self, config: dict, resolve: Resolve = socket.getaddrinfo):
        super().__init__(config, resolve)
        path = self.setting("BONECARE_FCM_CREDENTIALS", "a service-account file")
        self.credentials = service_account.Credentials.from_service_account_file(path, scopes=[FCM_SCOPE])
        self.endpoint = (config.get("BONECARE_FCM_ENDPOINT") or "https://fcm.googleapis.com").rstrip("/")
        self._lock = threading.Lock()  # the send threads share one token: one refresh at a time

    def access_token(self, force: bool = False) -> str:
        """The cached access token, refreshed (a signed JWT grant) when missing, stale or `force`d; TokenRefused
        when the token endpoint grants none."""
        with self._lock:
            if force or not self.credentials.valid:
                request = _TokenRequest(self.http, self.timeout)
                try:
                    self.credentials.refresh(request)
                except RefreshError as exc:
                    raise TokenRefused(request.status) from exc
            return self.credentials.token

    def _body(self, device, message: Message) -> dict:
        ttl = f"{message.ttl_seconds}s"
        # FCM data values are strings: the actions list travels as JSON
        data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in message.payload().items()}
        return {
            "message": {
                "token": device.token,
                "notification": {"title": message.title, "body": message.body},
                "data": data,
                "android": {"collapse_key": message.topic, "ttl": ttl, "priority": "high"},
                "apns": {
                    "headers": {
                        "apns-collapse-id": message.topic,
                        "apns-expiration": str(int(time.time()) + message.ttl_seconds),
                    }
                },
                "webpush": {"headers": {"Topic": message.topic, "TTL": str(message.ttl_seconds)}},
            }
        }

    def _send(self, device, message: Message) -> Outcome:
        try:
            return self._post(device, message)
        except TokenRefused as exc:  # a redirect (never followed) is final; a refusal may pass
            return Outcome("error" if exc.status is None or exc.status < 400 else "retry", str(exc))
        except TransportError as exc:  # google-auth's wrapper of a requests error
            return Outcome("retry", f"network error: {type(exc.__cause__ or exc).__name__}")

    def _post(self, device, message: Message) -> Outcome:
        url = f"{self.endpoint}/v1/projects/{self.credentials.project_id}/messages:send"
        response = self._post_with(url, device, message, self.access_token())
        if response.status_code == 401:  # the token was revoked or expired early: once more with a fresh one
            response = self._post_with(url, device, message, self.access_token(force=True))
        outcome = classify_status(response.status_code, response, dead_statuses=(404,))
        if outcome.kind == "error" and _fcm_error_code(response) == "UNREGISTERED":  # FCM's 400 for a dead token
            return Outcome("dead", "FCM: UNREGISTERED")
        return outcome

    def _post_with(self, url: str, device, message: Message, token: str):
        return self.http.post(
            url, json=self._body(device, message), timeout=self.timeout, headers={"Authorization": f"Bearer {token}"}
        )


def _fcm_error_code(response) -> str | None:
    """The errorCode of an FCM v1 error body, if any."""
    try:
        details = response.json().get("error", {}).get("details", [])
    except ValueError:
        return None
    for detail in details if isinstance(details, list) else []:
        if isinstance(detail, dict) and detail.get("errorCode"):
            return detail["errorCode"]
    return None
