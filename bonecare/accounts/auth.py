"""Bearer-token authentication for every endpoint but the public ones."""

import functools
import time

import jwt as pyjwt
from flask import Flask, current_app, g, request
from flask_jwt_extended import current_user as _jwt_user
from flask_jwt_extended import get_jwt, verify_jwt_in_request
from flask_jwt_extended.config import config as jwt_config
from flask_jwt_extended.exceptions import JWTDecodeError, RevokedTokenError, WrongTokenError
from flask_jwt_extended.view_decorators import _decode_jwt_from_headers

from bonecare import clock
from bonecare.accounts.models import User
from bonecare.accounts.service import live_session_user
from bonecare.errors import DomainError, Forbidden, SessionRevoked, TokenExpired, TokenInvalid, TokenMissing, problem
from bonecare.extensions import db, jwt
from bonecare.web import Blueprint, view_method


def public(func):
    """Mark a view method as open to anyone (no bearer token), in the code and in the spec."""
    func = Blueprint.doc(security=[])(func)
    func.bonecare_public = True
    return func


def refresh_token_required(func):
    """Mark a view method as taking a refresh token instead of an access token, in the code and in the spec."""
    func = Blueprint.doc(security=[{"refreshToken": []}])(func)
    func.bonecare_refresh = True
    return func


def current_user() -> User:
    """The signed-in user of this request."""
    return _jwt_user


def require_role(*roles: str) -> User:
    """The signed-in user, if their role is one of these; else a 403."""
    user = current_user()
    if user.role not in roles:
        raise Forbidden(f"This action is for {' or '.join(roles)} accounts.")
    return user


def current_sid() -> str:
    """The login session of this request's token."""
    return get_jwt()["sid"]


def _authenticate():
    if not request.path.startswith("/api/v1/") or request.method == "OPTIONS":
        return None
    method = view_method()
    if method is None:
        return None  # 404/405 answer on their own
    if getattr(method, "bonecare_refresh", False):
        verify_jwt_in_request(refresh=True)
    elif not getattr(method, "bonecare_public", False):
        _verify_access_token()
    return None


def _verify_access_token() -> None:
    """verify_jwt_in_request() for an access token, decoding it once (flask-jwt-extended decodes it twice and parses
    its header three times, a third of the token check): the same header rules, claims, session check and errors
    (its exceptions, answered by the handlers init_app sets), and the same request state for get_jwt and
    current_user."""
    encoded, _ = _decode_jwt_from_headers()
    token = _verified(
        encoded,
        current_app.config["JWT_SECRET_KEY"],
        tuple(jwt_config.decode_algorithms),
        jwt_config.decode_audience,
        jwt_config.decode_issuer,
        jwt_config.leeway,
        jwt_config.verify_sub,
    )
    exp = token["payload"].get("exp")
    if exp is not None and exp <= time.time() - jwt_config.leeway:  # pyjwt's own test, made at every use
        expired = pyjwt.ExpiredSignatureError("Signature has expired")
        expired.jwt_header, expired.jwt_data = token["header"], token["payload"]  # what its handler is given
        raise expired
    header, claims = token["header"], token["payload"]
    if jwt_config.identity_claim_key not in claims:
        raise JWTDecodeError(f"Missing claim: {jwt_config.identity_claim_key}")
    claims = {"type": "access", "fresh": False, "jti": None, **claims}
    if claims["type"] != "access":
        raise WrongTokenError("Only non-refresh tokens are allowed")
    user = live_session_user(db.session, claims.get("sid"), claims.get("sub"), clock.now())
    if user is None:
        raise RevokedTokenError(header, claims)
    g._jwt_extended_jwt_user = {"loaded_user": user}
    g._jwt_extended_jwt_header = header
    g._jwt_extended_jwt = claims
    g._jwt_extended_jwt_location = "headers"


@functools.lru_cache(maxsize=4096)
def _verified(encoded: str, secret: str, algorithms: tuple, audience, issuer, leeway, verify_sub: bool) -> dict:
    """A token's header and claims once its signature and claims check out, but for its expiry (checked at every
    use): a phone sends the same token with every request until it expires, and checking it is a tenth of a
    request's time. Kept per process for the 4,096 tokens used last, keyed by the secret as well, so a new secret
    checks every token anew; a token that fails is never kept. Callers must not change what it returns."""
    token = pyjwt.api_jwt.decode_complete(
        encoded,
        secret,
        algorithms=list(algorithms),
        audience=audience,
        issuer=issuer,
        leeway=leeway,
        options={"verify_aud": audience is not None, "verify_sub": verify_sub, "verify_exp": False},
    )
    exp = token["payload"].get("exp")
    if exp is not None and (isinstance(exp, bool) or not isinstance(exp, int)):
        raise pyjwt.DecodeError("Expiration Time claim (exp) must be an integer.")
    return token


def _answer(error: DomainError):
    return problem(error.status, error.type, error.title, error.detail, headers=error.headers)


def init_app(app: Flask) -> None:
    """Wire token checks and their problem+json answers into the app."""
    app.before_request(_authenticate)

    @jwt.token_in_blocklist_loader
    def _revoked(_header, payload):
        # One query answers both "is this login still valid?" and "who is it?" (see _load_user).
        g.bonecare_user = live_session_user(db.session, payload.get("sid"), payload.get("sub"), clock.now())
        return g.bonecare_user is None

    @jwt.user_lookup_loader
    def _load_user(_header, _payload):
        return g.get("bonecare_user")

    jwt.unauthorized_loader(lambda reason: _answer(TokenMissing("A bearer token is required.")))
    jwt.invalid_token_loader(lambda reason: _answer(TokenInvalid("The token is not valid.")))
    jwt.expired_token_loader(lambda _h, _p: _answer(TokenExpired("The token has expired; refresh it.")))
    jwt.revoked_token_loader(lambda _h, _p: _answer(SessionRevoked("The session has been revoked; sign in again.")))
    jwt.user_lookup_error_loader(lambda _h, _p: _answer(TokenInvalid("The account no longer exists.")))
    jwt.token_verification_failed_loader(lambda _h, _p: _answer(TokenInvalid("The token is not valid.")))
