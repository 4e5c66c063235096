"""Settings from the environment, with safe defaults (a SQLite file under instance/)."""

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _default_database_url() -> str:
    INSTANCE_DIR.mkdir(exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'bonecare.sqlite3'}"


def _secret_key() -> str:
    """The signing key: from the environment, else one kept in instance/ so tokens survive restarts."""
    if key := os.environ.get("BONECARE_SECRET_KEY"):
        return key
    INSTANCE_DIR.mkdir(exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        fd, made = tempfile.mkstemp(dir=INSTANCE_DIR)  # 0600 from its first byte
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
        try:
            os.link(made, path)  # appears whole, and never over a key another process has just made
        except FileExistsError:
            pass
        finally:
            os.unlink(made)
    return path.read_text().strip()


def from_env() -> dict:
    """The app's configuration, read from environment variables."""
    env = os.environ
    secret = _secret_key()
    return {
        "SECRET_KEY": secret,
        "JWT_SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL") or _default_database_url(),
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=int(env.get("BONECARE_ACCESS_TOKEN_MINUTES", "15"))),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=int(env.get("BONECARE_REFRESH_TOKEN_DAYS", "30"))),
        "BONECARE_REFRESH_GRACE_SECONDS": int(env.get("BONECARE_REFRESH_GRACE_SECONDS", "60")),
        "BONECARE_TOMBSTONE_DAYS": int(env.get("BONECARE_TOMBSTONE_DAYS", "90")),
        # How long a worker's claim on due reminders holds before another worker may take them over.
        "BONECARE_REMINDER_LEASE_SECONDS": int(env.get("BONECARE_REMINDER_LEASE_SECONDS", "300")),
        "BONECARE_DELETION_GRACE_DAYS": int(env.get("BONECARE_DELETION_GRACE_DAYS", "30")),
        "RATELIMIT_STORAGE_URI": env.get("BONECARE_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": env.get("BONECARE_RATELIMIT_ENABLED", "1") == "1",
        "BONECARE_RATELIMIT_FAIL": env.get("BONECARE_RATELIMIT_FAIL", "open"),
        "BONECARE_DB_CONNECT_TIMEOUT": int(env.get("BONECARE_DB_CONNECT_TIMEOUT", "3")),
        "BONECARE_AUTH_RATE_LIMIT": env.get("BONECARE_AUTH_RATE_LIMIT", "10 per minute"),
        "BONECARE_LOGIN_ACCOUNT_RATE_LIMIT": env.get("BONECARE_LOGIN_ACCOUNT_RATE_LIMIT", "10 per hour"),
        "BONECARE_RESET_ACCOUNT_RATE_LIMIT": env.get("BONECARE_RESET_ACCOUNT_RATE_LIMIT", "5 per hour"),
        "BONECARE_BATCH_RATE_LIMIT": env.get("BONECARE_BATCH_RATE_LIMIT", "60 per minute"),
        "BONECARE_TRUSTED_PROXIES": int(env.get("BONECARE_TRUSTED_PROXIES", "0")),
        "BONECARE_INLINE_WORKER": env.get("BONECARE_INLINE_WORKER", "0") == "1",
        "BONECARE_PUSH_BACKEND": env.get("BONECARE_PUSH_BACKEND", "log"),
        "BONECARE_PUSH_ALLOWED_HOSTS": [
            h.strip().lower() for h in env.get("BONECARE_PUSH_ALLOWED_HOSTS", "").split(",") if h.strip()
        ],
        "BONECARE_VAPID_PRIVATE_KEY": env.get("BONECARE_VAPID_PRIVATE_KEY"),
        "BONECARE_VAPID_SUBJECT": env.get("BONECARE_VAPID_SUBJECT", "mailto:admin@bonecare.invalid"),
        "BONECARE_FCM_CREDENTIALS": env.get("BONECARE_FCM_CREDENTIALS"),
        "BONECARE_FCM_ENDPOINT": env.get("BONECARE_FCM_ENDPOINT", "https://fcm.googleapis.com"),
        "BONECARE_APNS_KEY_FILE": env.get("BONECARE_APNS_KEY_FILE"),
        "BONECARE_APNS_KEY_ID": env.get("BONECARE_APNS_KEY_ID"),
        "BONECARE_APNS_TEAM_ID": env.get("BONECARE_APNS_TEAM_ID"),
        "BONECARE_APNS_TOPIC": env.get("BONECARE_APNS_TOPIC"),
        "BONECARE_APNS_ENDPOINT": env.get("BONECARE_APNS_ENDPOINT", "https://api.push.apple.com"),
        "BONECARE_APNS_CA_FILE": env.get("BONECARE_APNS_CA_FILE"),
        # The origin clients reach the API at (https://api.example.org): absolute links are built from it, never from
        # the request's Host header (see bonecare/clinician/routes.py).
        "BONECARE_PUBLIC_URL": (env.get("BONECARE_PUBLIC_URL") or "").rstrip("/") or None,
        # Password-reset mail: `log` (no mail leaves; the log names the recipient's domain, never the token) or `smtp`.
        "BONECARE_MAIL_BACKEND": env.get("BONECARE_MAIL_BACKEND", "log"),
        "BONECARE_SMTP_URL": env.get("BONECARE_SMTP_URL"),
        "BONECARE_MAIL_FROM": env.get("BONECARE_MAIL_FROM", "bonecare <no-reply@bonecare.invalid>"),
        "BONECARE_ARGON2_TIME_COST": int(env.get("BONECARE_ARGON2_TIME_COST", "3")),
        "BONECARE_ARGON2_MEMORY_KIB": int(env.get("BONECARE_ARGON2_MEMORY_KIB", "65536")),
        # The clinic's session cookie goes without Secure only when this is 1 (local use over plain HTTP).
        "BONECARE_INSECURE_COOKIES": env.get("BONECARE_INSECURE_COOKIES", "0") == "1",
    }


# The request body limit of the contract (413 above it).
MAX_CONTENT_LENGTH = 64 * 1024

STATIC = {
    "MAX_CONTENT_LENGTH": MAX_CONTENT_LENGTH,
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    # A statement's values never reach an error message, hence never a log: they are patients' records.
    "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
    "JWT_TOKEN_LOCATION": ["headers"],
    "API_TITLE": "bonecare",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    # Swagger UI's assets come from this app (bonecare/web/docs.py, the pinned swagger-ui-bundle-v2), not a CDN.
    "OPENAPI_SWAGGER_UI_URL": "/api/docs/assets/",
    "PROPAGATE_EXCEPTIONS": False,
    "JSON_SORT_KEYS": False,
}
