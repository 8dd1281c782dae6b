"""The happy path of accounts and organisations, end to end."""

from __future__ import annotations

from typing import Any

from tests.factories import add_member, create_account, create_org


async def test_signup_org_member_and_me(client: Any) -> None:
    admin = await create_account(client)
    org = await create_org(client, admin=admin)
    learner = await add_member(client, org, "learner")
    me = (await client.get("/api/v1/me", headers=learner.headers)).json()
    assert me["active_organisation"]["role"] == "learner"
    members = await client.get("/api/v1/org/members", headers=org.admin.headers)
    assert members.status_code == 200, members.text
    assert members.json()["total"] == 2
