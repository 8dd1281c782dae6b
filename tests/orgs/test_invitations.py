"""Invitations: by e-mail (single use, bound to the address) and by shareable link."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from starguide.kit.mail import OutgoingEmail
from starguide.kit.time import FrozenClock
from tests.factories import create_account, create_invitation, create_org

API = "/api/v1"


async def _accept(client: Any, token: str, headers: dict[str, str]) -> Any:
    return await client.post(f"{API}/invitations/{token}/accept", headers=headers)


async def test_email_invitation_is_mailed_with_its_link(harness: Any) -> None:
    client = harness.client
    org = await create_org(client)
    invitation = await create_invitation(client, org, "mentor", email="Friend@Example.org")
    assert invitation["email"] == "friend@example.org"
    assert invitation["url"].endswith("/invite/" + invitation["token"])
    async with harness.runtime.db.session(write=False) as session:
        mail = await session.scalar(
            select(OutgoingEmail).where(OutgoingEmail.to_address == "friend@example.org")
        )
    assert mail is not None
    assert invitation["url"] in mail.text_body
    listed = (await client.get(f"{API}/org/invitations", headers=org.admin.headers)).json()
    assert [i["id"] for i in listed] == [invitation["id"]]
    assert listed[0]["token"] is None
    assert listed[0]["url"] is None
    preview = (await client.get(f"{API}/invitations/{invitation['token']}")).json()
    assert preview["valid"] is True
    assert preview["role"] == "mentor"
    assert re.match(r"Organisation ", preview["organisation_name"])


async def test_email_invitation_is_single_use_and_bound_to_the_address(client: Any) -> None:
    org = await create_org(client)
    invitation = await create_invitation(client, org, "learner", email="bound@example.org")
    stranger = await create_account(client)
    refused = await _accept(client, invitation["token"], stranger.headers)
    assert refused.status_code == 403
    invited = await create_account(client, email="bound@example.org")
    accepted = await _accept(client, invitation["token"], invited.headers)
    assert accepted.status_code == 200
    assert accepted.json()["role"] == "learner"
    again = await _accept(client, invitation["token"], invited.headers)
    assert again.status_code == 200  # accepting twice changes nothing
    assert (await client.get(f"{API}/invitations/{invitation['token']}")).json()["valid"] is False
    assert (await client.get(f"{API}/org/invitations", headers=org.admin.headers)).json() == []
    already = await client.post(
        f"{API}/org/invitations",
        json={"email": "bound@example.org", "role": "mentor"},
        headers=org.admin.headers,
    )
    assert already.status_code == 409


async def test_link_invitation_works_for_many_until_revoked(client: Any) -> None:
    org = await create_org(client)
    invitation = await create_invitation(client, org, "learner")
    for _ in range(3):
        account = await create_account(client)
        assert (await _accept(client, invitation["token"], account.headers)).status_code == 200
    listed = (await client.get(f"{API}/org/invitations", headers=org.admin.headers)).json()
    assert listed[0]["accepted_count"] == 3
    revoked = await client.delete(f"{API}/org/invitations/{invitation['id']}", headers=org.admin.headers)
    assert revoked.status_code == 204
    late = await create_account(client)
    response = await _accept(client, invitation["token"], late.headers)
    assert response.status_code == 410
    signup = await client.post(
        f"{API}/auth/signup",
        json={
            "email": "late@example.org",
            "password": "late-Password-1",
            "display_name": "L",
            "invitation_token": invitation["token"],
        },
    )
    assert signup.status_code == 410
    # The refused sign-up created no account.
    login = await client.post(
        f"{API}/auth/login", json={"email": "late@example.org", "password": "late-Password-1"}
    )
    assert login.status_code == 401


async def test_invitation_expires(harness: Any) -> None:
    clock = FrozenClock()
    harness.runtime.clock = clock
    client = harness.client
    org = await create_org(client)
    response = await client.post(
        f"{API}/org/invitations", json={"role": "learner", "expires_in_days": 1}, headers=org.admin.headers
    )
    token = response.json()["token"]
    clock.advance(days=1, seconds=1)
    account = await create_account(client)
    assert (await _accept(client, token, account.headers)).status_code == 410
    assert (await client.get(f"{API}/invitations/{token}")).json()["valid"] is False


async def test_invitation_bounds(client: Any) -> None:
    org = await create_org(client)
    for body in (
        {"role": "learner", "expires_in_days": 0},
        {"role": "learner", "expires_in_days": 31},
        {"role": "platform_admin"},
        {"role": "learner", "email": "not-an-address"},
    ):
        response = await client.post(f"{API}/org/invitations", json=body, headers=org.admin.headers)
        assert response.status_code == 422, body
    assert (await client.get(f"{API}/invitations/unknown-token")).status_code == 404
    assert (await client.get(f"{API}/invitations/{'x' * 500}")).status_code == 422
