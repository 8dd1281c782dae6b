"""The per-process memory of sign-in rights: it serves repeated requests, yet every committed change
to a session, an account, a membership or an organisation shows on the very next request."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import delete, false, insert, or_, select, update

from starguide.auth.cache import CHANGES_KEY, EVERYTHING, AccessCache
from starguide.auth.models import AuthSession, User
from starguide.content.models import Course
from starguide.orgs.models import Membership, Organisation
from tests.conftest import REDIS_URL
from tests.factories import (
    Account,
    add_member,
    create_account,
    create_org,
    login,
    make_platform_admin,
    token_claims,
)
from tests.kit.memory_support import recorded, subscribed

API = "/api/v1"


async def _me(client: Any, account: Account) -> Any:
    return await client.get(f"{API}/me", headers=account.headers)


def _frozen_clock(cache: AccessCache) -> list[float]:
    now = [1_000.0]
    cache.clock = lambda: now[0]
    return now


async def test_repeated_requests_are_served_from_memory_until_the_entry_expires(harness: Any) -> None:
    cache = harness.runtime.access_cache
    now = _frozen_clock(cache)
    cache.listening = True  # with Redis, the test does not wait for the subscription
    account = await create_account(harness.client, display_name="Before")
    assert (await _me(harness.client, account)).json()["display_name"] == "Before"
    # A change that no session announces (another program writing to the database directly).
    async with harness.runtime.db.engine.begin() as conn:
        await conn.execute(
            User.__table__.update().where(User.__table__.c.id == account.user_id).values(display_name="After")
        )
    assert (await _me(harness.client, account)).json()["display_name"] == "Before"
    now[0] += cache.ttl + 0.01
    assert (await _me(harness.client, account)).json()["display_name"] == "After"


async def _member_with_warm_cache(harness: Any) -> tuple[Any, Account]:
    org = await create_org(harness.client)
    member = await add_member(harness.client, org, "learner")
    assert (await _me(harness.client, member)).status_code == 200
    assert (await harness.client.get(f"{API}/org", headers=member.headers)).status_code == 200
    return org, member


async def test_signing_out_ends_the_session_at_once(harness: Any) -> None:
    _, member = await _member_with_warm_cache(harness)
    assert (await harness.client.post(f"{API}/auth/logout", headers=member.headers)).status_code == 204
    assert (await _me(harness.client, member)).status_code == 401
    assert (await harness.client.get(f"{API}/org", headers=member.headers)).status_code == 401


async def test_signing_out_everywhere_and_revoking_one_session_end_the_other_sessions(harness: Any) -> None:
    _, member = await _member_with_warm_cache(harness)
    second = await login(harness.client, member)
    third = await login(harness.client, member)
    for account in (second, third):
        assert (await _me(harness.client, account)).status_code == 200
    third_id = token_claims(third.access_token)["sid"]
    revoked = await harness.client.delete(f"{API}/auth/sessions/{third_id}", headers=second.headers)
    assert revoked.status_code == 204
    assert (await _me(harness.client, third)).status_code == 401
    assert (await _me(harness.client, member)).status_code == 200
    assert (await harness.client.post(f"{API}/auth/logout-all", headers=second.headers)).status_code == 204
    assert (await _me(harness.client, member)).status_code == 401
    assert (await _me(harness.client, second)).status_code == 401


async def test_a_role_change_a_removal_and_a_renamed_organisation_show_at_once(harness: Any) -> None:
    org, member = await _member_with_warm_cache(harness)
    members = f"{API}/org/members"
    assert (await harness.client.get(members, headers=member.headers)).status_code == 403
    promoted = await harness.client.patch(
        f"{members}/{member.user_id}", json={"role": "mentor"}, headers=org.admin.headers
    )
    assert promoted.status_code == 200
    assert (await _me(harness.client, member)).json()["active_organisation"]["role"] == "mentor"
    assert (await harness.client.get(members, headers=member.headers)).status_code == 200

    renamed = await harness.client.patch(
        f"{API}/org", json={"name": "Renamed school"}, headers=org.admin.headers
    )
    assert renamed.status_code == 200
    assert (await _me(harness.client, member)).json()["active_organisation"]["name"] == "Renamed school"

    removed = await harness.client.delete(f"{members}/{member.user_id}", headers=org.admin.headers)
    assert removed.status_code == 204
    assert (await _me(harness.client, member)).json()["memberships"] == []
    assert (await harness.client.get(f"{API}/org", headers=member.headers)).status_code == 403


async def test_deactivation_and_platform_rights_show_at_once(harness: Any) -> None:
    _, member = await _member_with_warm_cache(harness)
    admin = await make_platform_admin(harness.runtime, await create_account(harness.client))
    assert (await _me(harness.client, admin)).json()["is_platform_admin"] is True
    deactivated = await harness.client.post(
        f"{API}/admin/users/{member.user_id}/deactivate", headers=admin.headers
    )
    assert deactivated.status_code == 204
    assert (await _me(harness.client, member)).status_code == 401
    assert (await harness.client.get(f"{API}/org", headers=member.headers)).status_code == 401


@pytest.mark.skipif(not REDIS_URL, reason="set STARGUIDE_TEST_REDIS_URL")
async def test_a_change_in_one_process_reaches_the_others_through_redis(harness_factory: Any) -> None:
    first, second = await harness_factory(), await harness_factory()
    await subscribed(first.runtime.access_cache, second.runtime.access_cache)
    org, member = await _member_with_warm_cache(first)
    assert (await second.client.get(f"{API}/org", headers=member.headers)).status_code == 200
    removed = await first.client.delete(f"{API}/org/members/{member.user_id}", headers=org.admin.headers)
    assert removed.status_code == 204
    for _ in range(100):
        status = (await second.client.get(f"{API}/org", headers=member.headers)).status_code
        if status == 403:
            break
        await asyncio.sleep(0.02)
    assert status == 403


# ---- the cache on its own -----------------------------------------------------------------------


class _Row:
    def __init__(self, user_id: uuid.UUID, org_id: uuid.UUID | None = None) -> None:
        self.id, self.org_id = user_id, org_id


async def test_a_read_that_raced_a_change_is_not_remembered() -> None:
    cache = AccessCache(60)
    user, session_id = uuid.uuid4(), uuid.uuid4()
    loads = 0

    async def load_while_someone_changes_the_account() -> list[_Row]:
        nonlocal loads
        loads += 1
        cache.forget([("user", user)])
        return [_Row(user)]

    await cache.rows(session_id, load_while_someone_changes_the_account)
    await cache.rows(session_id, load_while_someone_changes_the_account)
    assert loads == 2


async def test_forgetting_by_session_user_and_organisation() -> None:
    cache = AccessCache(60)
    org = uuid.uuid4()
    entries = {
        uuid.uuid4(): _Row(uuid.uuid4(), org),
        uuid.uuid4(): _Row(uuid.uuid4()),
        uuid.uuid4(): _Row(uuid.uuid4()),
    }
    loads: list[uuid.UUID] = []

    async def fill() -> None:
        for session_id, row in entries.items():

            async def load(session_id: uuid.UUID = session_id, row: _Row = row) -> list[_Row]:
                loads.append(session_id)
                return [row]

            await cache.rows(session_id, load)

    await fill()
    await fill()
    assert len(loads) == 3
    in_org, by_user, by_session = entries
    cache.forget([("org", org), ("user", entries[by_user].id), ("session", by_session)])
    loads.clear()
    await fill()
    assert loads == [in_org, by_user, by_session]
    cache.forget([("org", uuid.uuid4())])
    loads.clear()
    await fill()
    assert loads == []


async def test_a_cache_that_may_have_missed_an_announcement_reads_every_time() -> None:
    cache = AccessCache(60, shared=True)
    loads = 0

    async def load() -> list[_Row]:
        nonlocal loads
        loads += 1
        return [_Row(uuid.uuid4())]

    session_id = uuid.uuid4()
    await cache.rows(session_id, load)
    await cache.rows(session_id, load)
    assert loads == 2
    # Redis unreachable: the subscription never comes up, so the cache stays off.
    redis = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.2)
    listener = asyncio.create_task(cache.listen(redis, retry_seconds=0.05))
    await asyncio.sleep(0.3)
    assert not listener.done()
    assert not cache.active
    listener.cancel()
    await asyncio.gather(listener, return_exceptions=True)
    await redis.aclose()


async def test_the_cache_keeps_to_its_size() -> None:
    cache = AccessCache(60, max_entries=4)
    for _ in range(10):
        row = _Row(uuid.uuid4())

        async def load(row: _Row = row) -> list[_Row]:
            return [row]

        await cache.rows(uuid.uuid4(), load)
    assert len(cache._entries) <= 4


def test_garbled_announcements_forget_everything() -> None:
    user = uuid.uuid4()
    assert AccessCache.decode(f"user:{user} *".encode()) == [("user", user), EVERYTHING]
    assert AccessCache.decode("user:not-a-uuid") == [EVERYTHING]
    assert AccessCache.decode(AccessCache.encode([("org", user)])) == [("org", user)]


# ---- noticing what a statement touches -------------------------------------------------------------


async def _recorded(harness: Any, statement: Any) -> set[Any]:
    return await recorded(harness, statement, CHANGES_KEY)


async def test_bulk_statements_name_what_they_touch(harness: Any) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    logout = (
        update(AuthSession)
        .where(AuthSession.id == a, AuthSession.revoked_at.is_(None))
        .values(revoked_reason="x")
    )
    assert await _recorded(harness, logout) == {("session", a)}
    assert await _recorded(harness, update(User).where(User.id.in_([a, b])).values(locale="fr")) == {
        ("user", a),
        ("user", b),
    }
    assert await _recorded(harness, delete(Membership).where(Membership.organisation_id == a)) == {("org", a)}
    # Criteria that do not pin a key down touch anything.
    either = update(User).where(or_(User.id == a, User.id == b)).values(locale="fr")
    assert await _recorded(harness, either) == {EVERYTHING}
    assert await _recorded(harness, update(Organisation).values(time_zone="UTC").where(false())) == {
        EVERYTHING
    }
    joined = insert(Membership).from_select(
        ["id", "organisation_id", "user_id", "role"],
        select(Membership.id, Membership.organisation_id, Membership.user_id, Membership.role).where(false()),
    )
    assert await _recorded(harness, joined) == {EVERYTHING}
    # Other tables are none of the cache's business.
    assert await _recorded(harness, update(Course).where(Course.id == a).values(title="x")) == set()


@pytest.mark.skipif(not REDIS_URL, reason="set STARGUIDE_TEST_REDIS_URL")
async def test_a_lost_subscription_forgets_everything_before_trusting_memory_again() -> None:
    assert REDIS_URL is not None
    redis = Redis.from_url(REDIS_URL)
    cache = AccessCache(60, shared=True)
    listener = asyncio.create_task(cache.listen(redis, retry_seconds=0.05))

    async def until(condition: Any) -> None:
        for _ in range(200):
            if condition():
                return
            await asyncio.sleep(0.02)
        raise AssertionError("timed out")

    try:
        await until(lambda: cache.active)
        row = _Row(uuid.uuid4())

        async def load() -> list[_Row]:
            return [row]

        await cache.rows(uuid.uuid4(), load)
        assert cache._entries
        # The server drops the subscriber's connection (a restart, a network cut).
        for client in await redis.client_list(_type="pubsub"):
            await redis.client_kill_filter(_id=client["id"])
        await until(lambda: not cache._entries)
        await until(lambda: cache.active)  # subscribed again
    finally:
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
        await redis.aclose()
