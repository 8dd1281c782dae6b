"""Organisations: creation, members, roles taking effect at once, leaving, switching, audit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from starguide.kit.outbox import OutboxEvent
from tests.factories import (
    add_member,
    create_account,
    create_org,
    login,
    make_platform_admin,
    switch_organisation,
    token_claims,
)

API = "/api/v1"


async def test_create_organisation_makes_the_creator_admin(client: Any) -> None:
    account = await create_account(client)
    response = await client.post(
        f"{API}/orgs",
        json={"name": "Starlight Academy", "slug": "starlight-test", "time_zone": "Europe/Paris"},
        headers=account.headers,
    )
    assert response.status_code == 201
    org = response.json()
    assert org["time_zone"] == "Europe/Paris"
    assert org["leaderboards_enabled"] is True
    mine = (await client.get(f"{API}/orgs", headers=account.headers)).json()
    assert mine == [
        {
            "organisation_id": org["id"],
            "name": "Starlight Academy",
            "slug": "starlight-test",
            "role": "org_admin",
        }
    ]
    taken = await client.post(
        f"{API}/orgs",
        json={"name": "Copy", "slug": "starlight-test", "time_zone": "UTC"},
        headers=account.headers,
    )
    assert taken.status_code == 409


async def test_slug_and_time_zone_validation(client: Any) -> None:
    account = await create_account(client)
    for body in (
        {"name": "X", "slug": "Upper-Case"},
        {"name": "X", "slug": "-edge"},
        {"name": "X", "slug": "a"},
        {"name": "X", "slug": "double--hyphen"},
        {"name": "X", "slug": "admin"},
        {"name": "X", "slug": "ok-slug", "time_zone": "Nowhere/Land"},
        {"name": "", "slug": "ok-slug"},
    ):
        response = await client.post(f"{API}/orgs", json=body, headers=account.headers)
        assert response.status_code == 422, body


async def test_only_platform_admins_create_organisations_when_configured(harness_factory: Any) -> None:
    harness = await harness_factory(org_creation="platform_admins")
    client = harness.client
    account = await create_account(client)
    body = {"name": "X", "slug": "admins-only", "time_zone": "UTC"}
    assert (await client.post(f"{API}/orgs", json=body, headers=account.headers)).status_code == 403
    await make_platform_admin(harness.runtime, account)
    assert (await client.post(f"{API}/orgs", json=body, headers=account.headers)).status_code == 201


async def test_members_list_search_filter_and_pages(client: Any) -> None:
    org = await create_org(client)
    mentor = await add_member(client, org, "mentor")
    for _ in range(4):
        await add_member(client, org, "learner")
    headers = mentor.headers
    page = (await client.get(f"{API}/org/members", params={"limit": 2}, headers=headers)).json()
    assert page["total"] == 6
    assert len(page["items"]) == 2
    assert page["limit"] == 2
    rest = (
        await client.get(f"{API}/org/members", params={"limit": 100, "offset": 2}, headers=headers)
    ).json()
    assert len(rest["items"]) == 4
    learners = (await client.get(f"{API}/org/members", params={"role": "learner"}, headers=headers)).json()
    assert learners["total"] == 4
    found = (
        await client.get(f"{API}/org/members", params={"q": mentor.email.upper()}, headers=headers)
    ).json()
    assert [m["user_id"] for m in found["items"]] == [str(mentor.user_id)]
    for q in ("%", "_", "' OR '1'='1", "\\"):
        response = await client.get(f"{API}/org/members", params={"q": q}, headers=headers)
        assert response.status_code == 200, q
        assert response.json()["total"] == 0, q
    bad = await client.get(f"{API}/org/members", params={"role": "overlord"}, headers=headers)
    assert bad.status_code == 422
    too_many = await client.get(f"{API}/org/members", params={"limit": 1000}, headers=headers)
    assert too_many.status_code == 422


async def test_role_change_takes_effect_on_the_next_request(client: Any) -> None:
    org = await create_org(client)
    learner = await add_member(client, org, "learner")
    assert (await client.get(f"{API}/org/members", headers=learner.headers)).status_code == 403
    promoted = await client.patch(
        f"{API}/org/members/{learner.user_id}", json={"role": "mentor"}, headers=org.admin.headers
    )
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "mentor"
    # Same access token as before: the role is read from the membership.
    assert (await client.get(f"{API}/org/members", headers=learner.headers)).status_code == 200
    await client.patch(
        f"{API}/org/members/{learner.user_id}", json={"role": "learner"}, headers=org.admin.headers
    )
    assert (await client.get(f"{API}/org/members", headers=learner.headers)).status_code == 403


async def test_removed_member_loses_access_on_the_next_request(harness: Any) -> None:
    client = harness.client
    org = await create_org(client)
    learner = await add_member(client, org, "learner")
    assert (await client.get(f"{API}/org", headers=learner.headers)).status_code == 200
    removed = await client.delete(f"{API}/org/members/{learner.user_id}", headers=org.admin.headers)
    assert removed.status_code == 204
    response = await client.get(f"{API}/org", headers=learner.headers)
    assert response.status_code == 403
    assert response.json()["type"].endswith("not-a-member")
    me = (await client.get(f"{API}/me", headers=learner.headers)).json()
    assert me["active_organisation"] is None
    assert me["memberships"] == []
    again = await client.delete(f"{API}/org/members/{learner.user_id}", headers=org.admin.headers)
    assert again.status_code == 404
    async with harness.runtime.db.session(write=False) as session:
        types = list(await session.scalars(select(OutboxEvent.event_type).order_by(OutboxEvent.occurred_at)))
    assert types.count("org.member_joined") == 2
    assert "org.member_removed" in types


async def test_the_last_admin_cannot_leave_be_removed_or_demoted(client: Any) -> None:
    org = await create_org(client)
    admin = org.admin
    assert (await client.post(f"{API}/org/leave", headers=admin.headers)).status_code == 409
    demote = await client.patch(
        f"{API}/org/members/{admin.user_id}", json={"role": "mentor"}, headers=admin.headers
    )
    assert demote.status_code == 409
    remove = await client.delete(f"{API}/org/members/{admin.user_id}", headers=admin.headers)
    assert remove.status_code == 409
    second = await add_member(client, org, "mentor")
    await client.patch(
        f"{API}/org/members/{second.user_id}", json={"role": "org_admin"}, headers=admin.headers
    )
    assert (await client.post(f"{API}/org/leave", headers=admin.headers)).status_code == 204
    assert (await client.post(f"{API}/org/leave", headers=second.headers)).status_code == 409


async def test_members_leave(client: Any) -> None:
    org = await create_org(client)
    learner = await add_member(client, org, "learner")
    assert (await client.post(f"{API}/org/leave", headers=learner.headers)).status_code == 204
    assert (await client.post(f"{API}/org/leave", headers=learner.headers)).status_code == 403


async def test_switching_between_organisations(client: Any) -> None:
    first = await create_org(client)
    second = await create_org(client, admin=first.admin)
    admin = first.admin
    assert token_claims(admin.access_token)["org"] == str(second.id)
    assert (await client.get(f"{API}/org", headers=admin.headers)).json()["id"] == str(second.id)
    await switch_organisation(client, admin, first.id)
    assert (await client.get(f"{API}/org", headers=admin.headers)).json()["id"] == str(first.id)
    me = (await client.get(f"{API}/me", headers=admin.headers)).json()
    assert me["active_organisation"]["id"] == str(first.id)
    assert len(me["memberships"]) == 2
    # A new sign-in starts in the organisation used last; or in the one asked for.
    assert token_claims((await login(client, admin)).access_token)["org"] == str(first.id)
    assert token_claims((await login(client, admin, organisation_id=second.id)).access_token)["org"] == str(
        second.id
    )
    stranger = await create_org(client)
    refused = await client.post(
        f"{API}/auth/switch-organisation", json={"organisation_id": str(stranger.id)}, headers=admin.headers
    )
    assert refused.status_code == 404
    not_member = await client.post(
        f"{API}/auth/login",
        json={"email": admin.email, "password": admin.password, "organisation_id": str(stranger.id)},
    )
    assert not_member.status_code == 404


async def test_other_organisations_resources_are_404(client: Any) -> None:
    mine = await create_org(client)
    theirs = await create_org(client)
    their_learner = await add_member(client, theirs, "learner")
    invitation = (
        await client.post(f"{API}/org/invitations", json={"role": "learner"}, headers=theirs.admin.headers)
    ).json()
    headers = mine.admin.headers
    assert (
        await client.patch(
            f"{API}/org/members/{their_learner.user_id}", json={"role": "mentor"}, headers=headers
        )
    ).status_code == 404
    assert (
        await client.delete(f"{API}/org/members/{their_learner.user_id}", headers=headers)
    ).status_code == 404
    assert (
        await client.delete(f"{API}/org/invitations/{invitation['id']}", headers=headers)
    ).status_code == 404
    members = (await client.get(f"{API}/org/members", headers=headers)).json()
    assert str(their_learner.user_id) not in {m["user_id"] for m in members["items"]}


async def test_update_organisation_and_audit_trail(client: Any) -> None:
    org = await create_org(client)
    other = await create_org(client)
    updated = await client.patch(
        f"{API}/org",
        json={"name": "Renamed", "leaderboards_enabled": False, "time_zone": "Asia/Tokyo"},
        headers=org.admin.headers,
    )
    assert updated.status_code == 200
    assert updated.json()["leaderboards_enabled"] is False
    assert updated.json()["time_zone"] == "Asia/Tokyo"
    clash = await client.patch(f"{API}/org", json={"slug": other.slug}, headers=org.admin.headers)
    assert clash.status_code == 409
    events = (await client.get(f"{API}/org/audit-events", headers=org.admin.headers)).json()
    actions = [e["action"] for e in events["items"]]
    assert actions[:2] == ["organisation.updated", "organisation.created"]
    assert all(e["actor_id"] == str(org.admin.user_id) for e in events["items"])


async def test_platform_admin_lists_organisations(harness: Any) -> None:
    client = harness.client
    org = await create_org(client)
    await add_member(client, org, "learner")
    admin = await make_platform_admin(harness.runtime, await create_account(client))
    page = (
        await client.get(f"{API}/admin/organisations", params={"q": org.slug}, headers=admin.headers)
    ).json()
    assert page["total"] == 1
    assert page["items"][0]["member_count"] == 2
    # Platform admins administer through admin routes only, not as members.
    assert (await client.get(f"{API}/org/members", headers=admin.headers)).status_code == 403
