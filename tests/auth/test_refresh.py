"""Refresh tokens: rotation, reuse detection, the grace window, absolute expiry and web cookies."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from starguide.auth.models import RefreshToken
from starguide.kit.time import FrozenClock
from tests.factories import create_account, create_org, token_claims

API = "/api/v1/auth"


async def _refresh(client: Any, token: str | None, **kw: Any) -> Any:
    return await client.post(f"{API}/refresh", json={"refresh_token": token}, **kw)


async def test_refresh_rotates_and_keeps_the_session(client: Any) -> None:
    account = await create_account(client)
    response = await _refresh(client, account.refresh_token)
    assert response.status_code == 200
    pair = response.json()
    assert pair["refresh_token"] != account.refresh_token
    assert pair["token_type"] == "bearer"
    assert pair["expires_in"] == 900
    assert token_claims(pair["access_token"])["sid"] == token_claims(account.access_token)["sid"]
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.status_code == 200


async def test_refresh_tokens_are_stored_hashed(harness: Any) -> None:
    account = await create_account(harness.client)
    async with harness.runtime.db.session(write=False) as session:
        stored = list(await session.scalars(select(RefreshToken.token_hash)))
    assert account.refresh_token not in stored
    assert all(len(h) == 64 for h in stored)


async def test_reuse_after_grace_revokes_the_whole_family(harness: Any) -> None:
    clock = FrozenClock()
    harness.runtime.clock = clock
    client = harness.client
    account = await create_account(client)
    first = (await _refresh(client, account.refresh_token)).json()
    clock.advance(seconds=11)
    reused = await _refresh(client, account.refresh_token)
    assert reused.status_code == 401
    assert reused.json()["type"].endswith("refresh-token-reused")
    # The successor, and the access tokens of the family, are dead too.
    assert (await _refresh(client, first["refresh_token"])).status_code == 401
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {first['access_token']}"})
    assert me.status_code == 401


async def test_other_sessions_survive_a_reuse(harness: Any) -> None:
    clock = FrozenClock()
    harness.runtime.clock = clock
    client = harness.client
    account = await create_account(client)
    other = (
        await client.post(f"{API}/login", json={"email": account.email, "password": account.password})
    ).json()
    await _refresh(client, account.refresh_token)
    clock.advance(minutes=1)
    assert (await _refresh(client, account.refresh_token)).status_code == 401
    assert (await _refresh(client, other["refresh_token"])).status_code == 200


async def test_concurrent_refreshes_within_grace_all_succeed(harness: Any) -> None:
    client = harness.client
    account = await create_account(client)
    responses = await asyncio.gather(*[_refresh(client, account.refresh_token) for _ in range(5)])
    assert [r.status_code for r in responses] == [200] * 5
    successors = {r.json()["refresh_token"] for r in responses}
    assert len(successors) == 5
    # Every successor works: nothing was revoked.
    for token in successors:
        assert (await _refresh(client, token)).status_code == 200


async def test_refresh_within_grace_then_after(harness: Any) -> None:
    clock = FrozenClock()
    harness.runtime.clock = clock
    client = harness.client
    account = await create_account(client)
    assert (await _refresh(client, account.refresh_token)).status_code == 200
    clock.advance(seconds=9)
    assert (await _refresh(client, account.refresh_token)).status_code == 200
    clock.advance(seconds=2)
    assert (await _refresh(client, account.refresh_token)).status_code == 401


async def test_absolute_expiry_after_thirty_days(harness: Any) -> None:
    clock = FrozenClock()
    harness.runtime.clock = clock
    client = harness.client
    account = await create_account(client)
    token = account.refresh_token
    for _ in range(4):  # rotating often does not extend the sign-in
        clock.advance(days=7)
        response = await _refresh(client, token)
        assert response.status_code == 200
        token = response.json()["refresh_token"]
    clock.advance(days=2, seconds=1)
    response = await _refresh(client, token)
    assert response.status_code == 401
    assert response.json()["type"].endswith("invalid-refresh-token")


async def test_unknown_missing_and_oversized_refresh_tokens(client: Any) -> None:
    assert (await _refresh(client, "nope")).status_code == 401
    assert (await client.post(f"{API}/refresh")).status_code == 401
    assert (await client.post(f"{API}/refresh", json={})).status_code == 401
    assert (await _refresh(client, "x" * 5000)).status_code == 422


async def test_refresh_keeps_the_active_organisation_unless_removed(client: Any) -> None:
    org = await create_org(client)
    account = org.admin
    login = (
        await client.post(f"{API}/login", json={"email": account.email, "password": account.password})
    ).json()
    assert login["organisation_id"] == str(org.id)
    refreshed = (await _refresh(client, login["refresh_token"])).json()
    assert refreshed["organisation_id"] == str(org.id)
    assert token_claims(refreshed["access_token"])["org"] == str(org.id)


async def test_web_clients_get_the_refresh_token_only_as_a_strict_cookie(client: Any) -> None:
    account = await create_account(client)
    web = {"X-Client": "web"}
    response = await client.post(
        f"{API}/login", json={"email": account.email, "password": account.password}, headers=web
    )
    assert response.status_code == 200
    assert response.json()["refresh_token"] is None
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("sg_refresh=")
    for part in ("HttpOnly", "SameSite=strict", "Path=/api/v1/auth"):
        assert part.lower() in cookie.lower()
    # The cookie alone is not enough: a web refresh must say X-Client: web (a CSRF guard).
    client.cookies.clear()
    raw = cookie.split(";", 1)[0].split("=", 1)[1]
    jar = {"Cookie": f"sg_refresh={raw}"}
    no_header = await client.post(f"{API}/refresh", headers=jar)
    assert no_header.status_code == 401
    rotated = await client.post(f"{API}/refresh", headers={**jar, **web})
    assert rotated.status_code == 200
    assert rotated.json()["refresh_token"] is None
    assert rotated.headers["set-cookie"].split(";", 1)[0] != f"sg_refresh={raw}"
    access = rotated.json()["access_token"]
    logout = await client.post(f"{API}/logout", headers={"Authorization": f"Bearer {access}"})
    assert logout.status_code == 204
    assert (
        'sg_refresh=""' in logout.headers["set-cookie"] or "max-age=0" in logout.headers["set-cookie"].lower()
    )


async def test_logout_all_ends_every_session(client: Any) -> None:
    account = await create_account(client)
    second = (
        await client.post(f"{API}/login", json={"email": account.email, "password": account.password})
    ).json()
    assert (await client.post(f"{API}/logout-all", headers=account.headers)).status_code == 204
    assert (await _refresh(client, account.refresh_token)).status_code == 401
    assert (await _refresh(client, second["refresh_token"])).status_code == 401
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert me.status_code == 401
