"""Which addresses the worker may post to, and what a Web Push subscription's keys must look like."""

import base64
import binascii
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

# The major browsers' push services (https only).
KNOWN_PUSH_HOSTS = ("fcm.googleapis.com", "updates.push.services.mozilla.com", "web.push.apple.com")
KNOWN_PUSH_SUFFIXES = (".notify.windows.com", ".push.apple.com")


def b64url_decode(value: str) -> bytes:
    """Base64url (padding optional) to bytes; raises ValueError on anything else."""
    if not isinstance(value, str) or not value or any(c in value for c in "+/ \n"):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


def b64url(data: bytes) -> str:
    """Bytes as unpadded base64url."""
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def endpoint_problem(endpoint: str, allowed_hosts: list[str]) -> str | None:
    """Why the worker may not post to this endpoint, or None when it may."""
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "The endpoint is not a valid URL."
    if parts.username or parts.password or not host:
        return "The endpoint is not a valid URL."
    if host in allowed_hosts:
        return None if parts.scheme in ("https", "http") else "The endpoint must be an http(s) URL."
    if host in KNOWN_PUSH_HOSTS or host.endswith(KNOWN_PUSH_SUFFIXES):
        return None if parts.scheme == "https" else "The endpoint must use https."
    return "The endpoint is not a known push service."


def p256dh_problem(value: str) -> str | None:
    """Why a subscription's p256dh is not an uncompressed P-256 public key, or None."""
    try:
        raw = b64url_decode(value)
        if len(raw) != 65 or raw[0] != 4:
            return "Must be the base64url of a 65-byte uncompressed P-256 public key."
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return "Must be the base64url of a 65-byte uncompressed P-256 public key."
    return None


def auth_problem(value: str) -> str | None:
    """Why a subscription's auth secret is not 16 base64url bytes, or None."""
    try:
        if len(b64url_decode(value)) == 16:
            return None
    except ValueError:
        pass
    return "Must be the base64url of a 16-byte authentication secret."
