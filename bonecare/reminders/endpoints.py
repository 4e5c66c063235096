"""Which addresses the worker may post to, and what a Web Push subscription's keys and an APNs device token must
look like."""

import base64
import binascii
import ipaddress
import re

from cryptography.hazmat.primitives.asymmetric import ec
from urllib3.exceptions import LocationParseError
from urllib3.util import Url, parse_url

# The major browsers' push services (https only).
KNOWN_PUSH_HOSTS = ("fcm.googleapis.com", "updates.push.services.mozilla.com", "web.push.apple.com")
KNOWN_PUSH_SUFFIXES = (".notify.windows.com", ".push.apple.com")
DNS_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")
NOT_A_URL = "The endpoint is not a valid URL."
PERCENT_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# An APNs device token as the app sends it: the token's bytes in hex (32 today; Apple says they may grow).
APNS_DEVICE_TOKEN = re.compile(r"[0-9a-fA-F]{64,200}")


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


def strict_url(url: str) -> Url:
    """The URL as the HTTP client itself reads it (urllib3's parser), or ValueError unless that reading is the
    only one: no backslash, userinfo, fragment, space, control or non-ASCII character, nothing rewritten (but
    the case of a percent-escape, which means the same either way)."""
    if not isinstance(url, str) or not url.isascii() or "\\" in url or any(c <= " " or c == "\x7f" for c in url):
        raise ValueError(NOT_A_URL)
    try:
        parts = parse_url(url)
    except (LocationParseError, ValueError) as exc:
        raise ValueError(NOT_A_URL) from exc
    if not parts.host or parts.auth is not None or parts.fragment is not None:
        raise ValueError(NOT_A_URL)
    if parts.url != PERCENT_ESCAPE.sub(lambda m: m.group().upper(), url):
        raise ValueError(NOT_A_URL)
    if parts.scheme not in ("https", "http"):
        raise ValueError("The endpoint must be an http(s) URL.")
    return parts


def bare_host(host: str) -> str:
    """A host as compared with BONECARE_PUSH_ALLOWED_HOSTS: lower case, an IPv6 literal without brackets."""
    return host.strip("[]").lower()


def endpoint_problem(endpoint: str, allowed_hosts: list[str]) -> str | None:
    """Why the worker may not post to this endpoint, or None when it may."""
    try:
        parts = strict_url(endpoint)
    except ValueError as exc:
        return str(exc)
    if bare_host(parts.host) in {bare_host(h) for h in allowed_hosts}:
        return None
    if DNS_NAME.fullmatch(parts.host) and (parts.host in KNOWN_PUSH_HOSTS or parts.host.endswith(KNOWN_PUSH_SUFFIXES)):
        return None if parts.scheme == "https" else "The endpoint must use https."
    return "The endpoint is not a known push service."


def address_refused(address: str | ipaddress.IPv4Address) -> bool:
    """Whether the worker must never connect to this resolved address (unless its host is allowed): anything
    not publicly routable, or an IPv6 address carrying such an IPv4 one (mapped, compatible, 6to4 or NAT64)."""
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        low = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        embedded = ip.ipv4_mapped or ip.sixtofour or (low if int(ip) >> 32 == 0 or ip in NAT64 else None)
        if embedded is not None:
            return address_refused(embedded)
    return not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_link_local or ip.is_loopback


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
