"""Access tokens: expiry, tampering (alg none, wrong key, wrong audience) and revoked sessions."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from typing import Any

import jwt
import pytest
from pydantic import SecretStr

from starguide.auth.tokens import AUDIENCE, ISSUER, InvalidToken, _signing_key, decode_access_token
from starguide.kit.time import FrozenClock
from tests.factories import create_account, token_claims

PROBLEM = "application/problem+json"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def _status(client: Any, token: str) -> int:
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.headers["www-authenticate"] == "Bearer"
    return int(response.status_code)


async def test_claims_carry_user_session_org_and_expiry(client: Any) -> None:
    account = await create_account(client)
    claims = token_claims(account.access_token)
    assert claims["sub"] == str(account.user_id)
    assert claims["iss"] == ISSUER
    assert claims["aud"] == AUDIENCE
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert claims["org"] is None
    assert claims["sid"]
    header = jwt.get_unverified_header(account.access_token)
    assert header["alg"] == "HS256"


async def test_expired_token_is_refused(harness: Any) -> None:
    clock = FrozenClock()
    harness.runtime.clock = clock
    account = await create_account(harness.client)
    assert await _status(harness.client, account.access_token) == 200
    clock.advance(minutes=14, seconds=59)
    assert await _status(harness.client, account.access_token) == 200
    clock.advance(seconds=1)
    response = await harness.client.get("/api/v1/me", headers=account.headers)
    assert response.status_code == 401
    assert response.json()["token_expired"] is True


@pytest.mark.parametrize(
    "tamper",
    [
        "alg-none",
        "alg-none-unsigned",
        "wrong-key",
        "wrong-audience",
        "wrong-issuer",
        "hs512",
        "edited-payload",
    ],
)
async def test_tampered_tokens_are_refused(harness: Any, tamper: str) -> None:
    account = await create_account(harness.client)
    claims = token_claims(account.access_token)
    key = _signing_key(harness.runtime.settings.secret_key_value())
    if tamper == "alg-none":
        token = jwt.encode(claims, None, algorithm="none")
    elif tamper == "alg-none-unsigned":
        token = _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(claims) + "."
    elif tamper == "wrong-key":
        token = jwt.encode(claims, b"k" * 32, algorithm="HS256")
    elif tamper == "wrong-audience":
        token = jwt.encode({**claims, "aud": "someone-else"}, key, algorithm="HS256")
    elif tamper == "wrong-issuer":
        token = jwt.encode({**claims, "iss": "evil"}, key, algorithm="HS256")
    elif tamper == "hs512":
        token = jwt.encode(claims, key * 2, algorithm="HS512")
    else:
        head, _payload, signature = account.access_token.split(".")
        token = f"{head}.{_b64({**claims, 'sub': str(account.user_id)[:-1] + '0'})}.{signature}"
    assert await _status(harness.client, token) == 401


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer not.a.jwt",
        "Bearer " + "a" * 5000,
        "Bearer ' OR 1=1 --",
    ],
)
async def test_malformed_authorization_is_401(client: Any, header: str) -> None:
    response = await client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_token_missing_a_claim_is_refused(harness: Any) -> None:
    account = await create_account(harness.client)
    key = _signing_key(harness.runtime.settings.secret_key_value())
    claims = token_claims(account.access_token)
    del claims["sid"]
    assert await _status(harness.client, jwt.encode(claims, key, algorithm="HS256")) == 401


async def test_access_token_dies_with_its_session(client: Any) -> None:
    account = await create_account(client)
    assert (await client.post("/api/v1/auth/logout", headers=account.headers)).status_code == 204
    assert await _status(client, account.access_token) == 401


def test_decode_access_token_for_the_realtime_server(settings: Any) -> None:
    from starguide.auth.tokens import create_access_token
    from starguide.config import resolve_secrets
    from starguide.kit.ids import uuid7
    from starguide.kit.time import utcnow

    settings = resolve_secrets(settings)
    user, session, org = uuid7(), uuid7(), uuid7()
    now = utcnow()
    token = create_access_token(settings, user_id=user, session_id=session, organisation_id=org, now=now)
    claims = decode_access_token(settings, token)
    assert (claims.user_id, claims.session_id, claims.organisation_id) == (user, session, org)
    with pytest.raises(InvalidToken):
        decode_access_token(settings, token, now=now + timedelta(minutes=16))
    with pytest.raises(InvalidToken):
        decode_access_token(settings, token + "x")
    assert time.time() > 0


def test_a_verified_token_is_refused_once_the_secret_key_changes(settings: Any) -> None:
    """Verified tokens are remembered per signing key: rotating the secret ends them at once."""
    from starguide.auth.tokens import create_access_token
    from starguide.config import resolve_secrets
    from starguide.kit.ids import uuid7
    from starguide.kit.time import utcnow

    settings = resolve_secrets(settings)
    now = utcnow()
    token = create_access_token(settings, user_id=uuid7(), session_id=uuid7(), organisation_id=None, now=now)
    assert decode_access_token(settings, token, now=now).organisation_id is None
    assert decode_access_token(settings, token, now=now).organisation_id is None  # from the cache
    rotated = settings.model_copy(update={"secret_key": SecretStr("r" * 48)})
    with pytest.raises(InvalidToken):
        decode_access_token(rotated, token, now=now)
