"""Access tokens (JWT, HS256) and opaque random tokens stored as their SHA-256.

`decode_access_token` is also how the real-time server authenticates a Socket.IO connection.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt

from starguide.config import Settings
from starguide.kit.errors import Unauthorized
from starguide.kit.time import utcnow

ISSUER = "starguide"
AUDIENCE = "starguide-api"
ALGORITHM = "HS256"
MAX_TOKEN_LENGTH = 2048
_REQUIRED = ["sub", "sid", "iat", "exp", "iss", "aud"]


class InvalidToken(Unauthorized):
    slug = "invalid-token"


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    organisation_id: uuid.UUID | None


@lru_cache(maxsize=4)
def _signing_key(secret: str) -> bytes:
    # A key of its own, so the secret key's other uses never sign tokens.
    return hmac.new(secret.encode(), b"starguide access token v1", hashlib.sha256).digest()


def access_token_ttl(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.access_token_minutes)


def create_access_token(
    settings: Settings,
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    organisation_id: uuid.UUID | None,
    now: datetime,
) -> str:
    payload: dict[str, Any] = {
        "sub": str(user_id),
        "sid": str(session_id),
        "org": str(organisation_id) if organisation_id else None,
        "iat": int(now.timestamp()),
        "exp": int((now + access_token_ttl(settings)).timestamp()),
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    return jwt.encode(payload, _signing_key(settings.secret_key_value()), algorithm=ALGORITHM)


def decode_access_token(settings: Settings, token: str, *, now: datetime | None = None) -> AccessClaims:
    """Claims of a valid, unexpired access token; raises `InvalidToken` (a 401 problem) otherwise.

    It does not know whether the session was revoked: callers that serve data check that too.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken("The access token is not valid; sign in again.")
    secret = settings.secret_key_value()
    known = _VERIFIED.get((secret, token))
    if known is None:
        known = _VERIFIED[(secret, token)] = _verify(secret, token)
        if len(_VERIFIED) > _VERIFIED_MAX:
            _VERIFIED.pop(next(iter(_VERIFIED)))
    claims, expires = known
    if expires <= (now or utcnow()).timestamp():
        raise InvalidToken("The access token has expired; refresh it.", token_expired=True)
    return claims


# Tokens whose signature and claims were verified, with their expiry (checked on every use). A token
# never changes, so verifying it once per process is enough; its session's liveness is still read from
# the database on every request.
_VERIFIED: dict[tuple[str, str], tuple[AccessClaims, int]] = {}
_VERIFIED_MAX = 10_000


def _verify(secret: str, token: str) -> tuple[AccessClaims, int]:
    try:
        payload = jwt.decode(
            token,
            _signing_key(secret),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            # Time is checked below against the service clock, which tests can move.
            options={"require": _REQUIRED, "verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
        expires = int(payload["exp"])
        user_id = uuid.UUID(str(payload["sub"]))
        session_id = uuid.UUID(str(payload["sid"]))
        org = payload.get("org")
        organisation_id = uuid.UUID(str(org)) if org else None
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        raise InvalidToken("The access token is not valid; sign in again.") from None
    return AccessClaims(user_id=user_id, session_id=session_id, organisation_id=organisation_id), expires


def new_secret_token() -> str:
    """An unguessable token for links and refresh tokens (256 bits)."""
    return secrets.token_urlsafe(32)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
