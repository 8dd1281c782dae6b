"""Sign-up, sign-in, throttling, sessions, profile and deactivation."""

from __future__ import annotations

import statistics
import time
from typing import Any

import pytest
from sqlalchemy import select

from starguide.kit.outbox import OutboxEvent
from tests.factories import create_account, create_invitation, create_org, make_platform_admin

API = "/api/v1"
PROBLEM = "application/problem+json"


async def _login(client: Any, email: str, password: str, **kw: Any) -> Any:
    return await client.post(f"{API}/auth/login", json={"email": email, "password": password, **kw})


async def test_signup_returns_tokens_and_records_the_event(harness: Any) -> None:
    account = await create_account(harness.client, email="Mixed.Case@Example.ORG")
    assert account.refresh_token
    me = (await harness.client.get(f"{API}/me", headers=account.headers)).json()
    assert me["email"] == "mixed.case@example.org"
    assert me["time_zone"] == "UTC"
    assert me["memberships"] == []
    assert me["active_organisation"] is None
    assert me["email_verified"] is False
    assert me["is_platform_admin"] is False
    async with harness.runtime.db.session(write=False) as session:
        types = list(await session.scalars(select(OutboxEvent.event_type)))
    assert "user.signed_up" in types


async def test_duplicate_signup_is_409_whatever_the_case(client: Any) -> None:
    account = await create_account(client)
    response = await client.post(
        f"{API}/auth/signup",
        json={"email": account.email.upper(), "password": "another-Password-1", "display_name": "Twin"},
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize(
    ("password", "reason"),
    [("short", "at least"), ("1234567890", "guess"), ("aaaaaaaaaaaa", "guess"), ("x" * 129, "at most")],
)
async def test_weak_passwords_are_refused_with_the_reason(client: Any, password: str, reason: str) -> None:
    response = await client.post(
        f"{API}/auth/signup", json={"email": "weak@example.org", "password": password, "display_name": "W"}
    )
    assert response.status_code == 422
    assert reason in response.json()["detail"]
    assert response.json()["errors"][0]["loc"] == "body.password"


async def test_password_equal_to_email_is_refused(client: Any) -> None:
    response = await client.post(
        f"{API}/auth/signup",
        json={"email": "samesame@example.org", "password": "samesame@example.org", "display_name": "S"},
    )
    assert response.status_code == 422


async def test_login_unknown_email_and_wrong_password_look_the_same(client: Any) -> None:
    account = await create_account(client)
    wrong = await _login(client, account.email, "not-the-password")
    unknown = await _login(client, "nobody-here@example.org", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda r: {k: v for k, v in r.json().items() if k not in {"request_id"}}  # noqa: E731
    assert strip(wrong) == strip(unknown)


async def test_login_timing_is_similar_for_unknown_email(harness_factory: Any) -> None:
    # Real argon2 cost, so hashing dominates and a missing hash check would show.
    harness = await harness_factory(
        password_hash_time_cost=2, password_hash_memory_kib=16_384, password_hash_parallelism=1
    )
    client = harness.client
    account = await create_account(client)

    async def timed(email: str) -> float:
        started = time.perf_counter()
        assert (await _login(client, email, "wrong-password!")).status_code == 401
        return time.perf_counter() - started

    await timed("warm-up@example.org")
    known = statistics.median([await timed(account.email) for _ in range(5)])
    unknown = statistics.median([await timed("nobody@example.org") for _ in range(5)])
    # Without the dummy hash an unknown address would answer ~20 times faster.
    assert 1 / 3 < unknown / known < 3, (known, unknown)


async def test_login_is_throttled_per_account_with_retry_after(harness_factory: Any) -> None:
    harness = await harness_factory(rate_limit_auth="3/minute")
    account = await create_account(harness.client)
    for _ in range(3):
        assert (await _login(harness.client, account.email, "wrong-password!")).status_code == 401
    response = await _login(harness.client, account.email, account.password)
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_login_is_throttled_per_ip(harness_factory: Any) -> None:
    harness = await harness_factory(rate_limit_auth="4/minute")
    for n in range(4):
        assert (await _login(harness.client, f"u{n}@example.org", "wrong-password!")).status_code == 401
    response = await _login(harness.client, "another@example.org", "wrong-password!")
    assert response.status_code == 429
    assert "Retry-After" in response.headers


async def test_signup_is_throttled_per_ip(harness_factory: Any) -> None:
    harness = await harness_factory(rate_limit_signup="2/minute")
    await create_account(harness.client)
    await create_account(harness.client)
    response = await harness.client.post(
        f"{API}/auth/signup",
        json={"email": "third@example.org", "password": "third-Password-1", "display_name": "T"},
    )
    assert response.status_code == 429


async def test_per_user_rate_limit(harness_factory: Any) -> None:
    harness = await harness_factory(rate_limit_user="5/minute")
    account = await create_account(harness.client)
    statuses = [
        (await harness.client.get(f"{API}/me", headers=account.headers)).status_code for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    other = await create_account(harness.client)
    assert (await harness.client.get(f"{API}/me", headers=other.headers)).status_code == 200


async def test_invitation_only_registration(harness_factory: Any) -> None:
    harness = await harness_factory(registration="invitation")
    client = harness.client
    refused = await client.post(
        f"{API}/auth/signup",
        json={"email": "x@example.org", "password": "a-Password-123", "display_name": "X"},
    )
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("registration-closed")


async def test_signup_with_invitation_joins_and_verifies_the_address(client: Any) -> None:
    org = await create_org(client)
    invitation = await create_invitation(client, org, "mentor", email="invited@example.org")
    account = await create_account(client, email="invited@example.org", invitation_token=invitation["token"])
    me = (await client.get(f"{API}/me", headers=account.headers)).json()
    assert me["active_organisation"]["role"] == "mentor"
    assert me["email_verified"] is True


async def test_sessions_list_and_revoke(client: Any) -> None:
    account = await create_account(client)
    other = (
        await client.post(
            f"{API}/auth/login",
            json={"email": account.email, "password": account.password},
            headers={"User-Agent": "Phone/1.0"},
        )
    ).json()
    sessions = (await client.get(f"{API}/auth/sessions", headers=account.headers)).json()
    assert len(sessions) == 2
    assert sum(s["current"] for s in sessions) == 1
    phone = next(s for s in sessions if s["user_agent"] == "Phone/1.0")
    assert not phone["current"]
    revoke = await client.delete(f"{API}/auth/sessions/{phone['id']}", headers=account.headers)
    assert revoke.status_code == 204
    gone = await client.get(f"{API}/me", headers={"Authorization": f"Bearer {other['access_token']}"})
    assert gone.status_code == 401
    assert len((await client.get(f"{API}/auth/sessions", headers=account.headers)).json()) == 1
    missing = await client.delete(f"{API}/auth/sessions/{account.user_id}", headers=account.headers)
    assert missing.status_code == 404


async def test_profile_update_and_validation(client: Any) -> None:
    account = await create_account(client)
    ok = await client.patch(
        f"{API}/me",
        json={
            "display_name": "  Zoë Ångström 星  ",
            "time_zone": "America/Argentina/Buenos_Aires",
            "locale": "pt-br",
            "avatar_url": "https://cdn.example.org/a.png",
        },
        headers=account.headers,
    )
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["display_name"] == "Zoë Ångström 星"
    assert body["locale"] == "pt-BR"
    assert body["time_zone"] == "America/Argentina/Buenos_Aires"
    cleared = await client.patch(f"{API}/me", json={"avatar_url": None}, headers=account.headers)
    assert cleared.json()["avatar_url"] is None
    for bad in (
        {"time_zone": "Mars/Olympus"},
        {"time_zone": "../../etc/passwd"},
        {"locale": "english please"},
        {"avatar_url": "javascript:alert(1)"},
        {"avatar_url": "data:image/png;base64,AAAA"},
        {"display_name": "   "},
        {"display_name": "a\x00b"},
        {"display_name": "x" * 101},
    ):
        response = await client.patch(f"{API}/me", json=bad, headers=account.headers)
        assert response.status_code == 422, (bad, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)


async def test_deactivation_ends_sessions_and_blocks_login(harness: Any) -> None:
    client = harness.client
    admin = await make_platform_admin(harness.runtime, await create_account(client))
    user = await create_account(client)
    response = await client.post(f"{API}/admin/users/{user.user_id}/deactivate", headers=admin.headers)
    assert response.status_code == 204
    assert (await client.get(f"{API}/me", headers=user.headers)).status_code == 401
    refresh = await client.post(f"{API}/auth/refresh", json={"refresh_token": user.refresh_token})
    assert refresh.status_code == 401
    login = await _login(client, user.email, user.password)
    assert login.status_code == 403
    assert login.json()["type"].endswith("account-deactivated")
    assert (await _login(client, user.email, "wrong-password!")).status_code == 401  # no hint without it
    self_off = await client.post(f"{API}/admin/users/{admin.user_id}/deactivate", headers=admin.headers)
    assert self_off.status_code == 409
    back = await client.post(f"{API}/admin/users/{user.user_id}/reactivate", headers=admin.headers)
    assert back.status_code == 204
    assert (await _login(client, user.email, user.password)).status_code == 200
    missing = "00000000-0000-7000-8000-000000000000"
    unknown = await client.post(f"{API}/admin/users/{missing}/deactivate", headers=admin.headers)
    assert unknown.status_code == 404
