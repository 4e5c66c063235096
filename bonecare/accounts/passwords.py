"""Argon2id password hashing."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# The one strength rule of a new password (registration, `users create`, change and reset).
PASSWORD_MIN_LENGTH = 10


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["BONECARE_ARGON2_TIME_COST"], memory_cost=cfg["BONECARE_ARGON2_MEMORY_KIB"])


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; with no hash, spend the same time and say no."""
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or _dummy_hash(hasher), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash(hasher: PasswordHasher) -> str:
    ext = current_app.extensions
    if "bonecare.dummy_hash" not in ext:
        ext["bonecare.dummy_hash"] = hasher.hash("an unknown account never matches")
    return ext["bonecare.dummy_hash"]
