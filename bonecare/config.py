"""Settings from the environment, with safe defaults (a SQLite file under instance/)."""

import os
import secrets
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
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
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
        "RATELIMIT_STORAGE_URI": env.get("BONECARE_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": env.get("BONECARE_RATELIMIT_ENABLED", "1") == "1",
        "BONECARE_RATELIMIT_FAIL": env.get("BONECARE_RATELIMIT_FAIL", "open"),
        "BONECARE_DB_CONNECT_TIMEOUT": int(env.get("BONECARE_DB_CONNECT_TIMEOUT", "3")),
        "BONECARE_AUTH_RATE_LIMIT": env.get("BONECARE_AUTH_RATE_LIMIT", "10 per minute"),
        "BONECARE_INLINE_WORKER": env.get("BONECARE_INLINE_WORKER", "0") == "1",
        "BONECARE_PUSH_BACKEND": env.get("BONECARE_PUSH_BACKEND", "log"),
        "BONECARE_PUSH_ALLOWED_HOSTS": [
            h.strip().lower() for h in env.get("BONECARE_PUSH_ALLOWED_HOSTS", "").split(",") if h.strip()
        ],
        "BONECARE_VAPID_PRIVATE_KEY": env.get("BONECARE_VAPID_PRIVATE_KEY"),
        "BONECARE_VAPID_SUBJECT": env.get("BONECARE_VAPID_SUBJECT", "mailto:admin@bonecare.invalid"),
        "BONECARE_FCM_CREDENTIALS": env.get("BONECARE_FCM_CREDENTIALS"),
        "BONECARE_FCM_ENDPOINT": env.get("BONECARE_FCM_ENDPOINT", "https://fcm.googleapis.com"),
        "BONECARE_ARGON2_TIME_COST": int(env.get("BONECARE_ARGON2_TIME_COST", "3")),
        "BONECARE_ARGON2_MEMORY_KIB": int(env.get("BONECARE_ARGON2_MEMORY_KIB", "65536")),
    }


# The request body limit of the contract (413 above it).
MAX_CONTENT_LENGTH = 64 * 1024

STATIC = {
    "MAX_CONTENT_LENGTH": MAX_CONTENT_LENGTH,
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "JWT_TOKEN_LOCATION": ["headers"],
    "API_TITLE": "bonecare",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/",
    "PROPAGATE_EXCEPTIONS": False,
    "JSON_SORT_KEYS": False,
}
