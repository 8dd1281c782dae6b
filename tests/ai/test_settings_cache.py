"""The per-process memory of organisations' AI settings and keys: it serves repeated calls, yet every
committed change to a key, the data policy, an alias or a budget shows on the very next call."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import delete, insert, update

from starguide.ai.cache import CHANGES_KEY, EVERYTHING, OrgAICache
from starguide.ai.models import AIOrgSettings, AIProviderKey, AISpend
from starguide.ai.service import OrgAI
from tests.ai.fakes.server import FakeProviderServer
from tests.ai.test_accounting import events, fake_settings
from tests.conftest import REDIS_URL
from tests.factories import OrgFixture, create_org
from tests.kit.memory_support import recorded, subscribed

ORG_KEY = "sk-org-own-key-7f3a9c"


def _frozen(cache: OrgAICache) -> list[float]:
    """Time stands still for the cache, so only a forget (never expiry) can refresh an entry."""
    now = [1_000.0]
    cache.clock = lambda: now[0]
    cache.listening = True  # with Redis, the test does not wait for the subscription
    return now


async def _try(harness: Any, org: OrgFixture, **body: Any) -> Any:
    return await harness.client.post("/api/v1/ai/try", json=body, headers=org.admin.headers)


async def _warm(harness_factory: Any, fake: FakeProviderServer) -> tuple[Any, OrgFixture]:
    settings = fake_settings(fake)
    settings["ai_aliases"]["mentor-default"] = {"deployments": ["fake-openai", "local"]}
    harness = await harness_factory(**settings)
    _frozen(harness.runtime.ai_orgs)
    org = await create_org(harness.client)
    assert events((await _try(harness, org)).text)[-1][1]["deployment"] == "fake-openai"
    assert org.id in harness.runtime.ai_orgs._entries
    return harness, org


async def test_repeated_calls_are_planned_from_memory_until_the_entry_expires(
    harness_factory: Any, fake: FakeProviderServer
) -> None:
    harness, org = await _warm(harness_factory, fake)
    now = _frozen(harness.runtime.ai_orgs)
    # A change that no session announces (another program writing to the database directly).
    async with harness.runtime.db.engine.begin() as conn:
        await conn.execute(
            insert(AIOrgSettings.__table__).values(
                id=uuid.uuid4(), organisation_id=org.id, allow_external=False, aliases={}
            )
        )
    assert events((await _try(harness, org)).text)[-1][1]["deployment"] == "fake-openai"
    now[0] += harness.runtime.ai_orgs.ttl + 0.01
    assert events((await _try(harness, org)).text)[-1][1]["deployment"] == "local"


async def test_a_new_or_removed_key_applies_to_the_next_call(
    harness_factory: Any, fake: FakeProviderServer
) -> None:
    harness, org = await _warm(harness_factory, fake)
    assert fake.requests_for("gpt-4o-mini")[-1].api_key == "sk-server-key-0000"
    put = await harness.client.put(
        "/api/v1/ai/keys/openai", json={"api_key": ORG_KEY}, headers=org.admin.headers
    )
    assert put.status_code == 200
    await _try(harness, org)
    assert fake.requests_for("gpt-4o-mini")[-1].api_key == ORG_KEY
    removed = await harness.client.delete("/api/v1/ai/keys/openai", headers=org.admin.headers)
    assert removed.status_code == 204
    await _try(harness, org)
    assert fake.requests_for("gpt-4o-mini")[-1].api_key == "sk-server-key-0000"


async def test_forbidding_outside_providers_applies_to_the_next_call(
    harness_factory: Any, fake: FakeProviderServer
) -> None:
    harness, org = await _warm(harness_factory, fake)
    assert (await _try(harness, org, alias="grader")).status_code == 200
    sent = len(fake.requests_for("gpt-4o-mini"))
    policy = await harness.client.patch(
        "/api/v1/ai/settings", json={"allow_external": False}, headers=org.admin.headers
    )
    assert policy.status_code == 200
    assert events((await _try(harness, org)).text)[-1][1]["deployment"] == "local"
    refused = await _try(harness, org, alias="grader")
    assert refused.status_code == 503
    assert refused.json()["reason"] == "data_policy"
    assert len(fake.requests_for("gpt-4o-mini")) == sent


async def test_an_alias_or_a_budget_change_applies_to_the_next_call(
    harness_factory: Any, fake: FakeProviderServer
) -> None:
    harness, org = await _warm(harness_factory, fake)
    chosen = await harness.client.put(
        "/api/v1/ai/aliases/mentor-default", json={"deployments": ["local"]}, headers=org.admin.headers
    )
    assert chosen.status_code == 200
    assert events((await _try(harness, org)).text)[-1][1]["deployment"] == "local"
    reset = await harness.client.delete("/api/v1/ai/aliases/mentor-default", headers=org.admin.headers)
    assert reset.status_code == 204
    assert events((await _try(harness, org)).text)[-1][1]["deployment"] == "fake-openai"
    budget = await harness.client.patch(
        "/api/v1/ai/settings", json={"monthly_budget_usd": 0.000001}, headers=org.admin.headers
    )
    assert budget.status_code == 200
    exceeded = await _try(harness, org)
    assert exceeded.status_code == 429
    assert exceeded.json()["cap"] == "organisation_monthly"


async def test_no_memory_means_a_read_on_every_call(harness_factory: Any, fake: FakeProviderServer) -> None:
    harness = await harness_factory(**fake_settings(fake), ai_settings_cache_seconds=0)
    org = await create_org(harness.client)
    assert (await _try(harness, org)).status_code == 200
    assert not harness.runtime.ai_orgs.active
    assert harness.runtime.ai_orgs._entries == {}


# ---- the cache on its own -----------------------------------------------------------------------


def _org_ai(organisation_id: uuid.UUID) -> OrgAI:
    return OrgAI(organisation_id, True, {}, {}, None, None)


async def test_a_read_that_raced_a_change_is_not_remembered() -> None:
    cache = OrgAICache(60)
    org = uuid.uuid4()
    loads = 0

    async def load_while_an_admin_changes_the_settings() -> OrgAI:
        nonlocal loads
        loads += 1
        cache.forget([org])
        return _org_ai(org)

    await cache.get(org, load_while_an_admin_changes_the_settings)
    await cache.get(org, load_while_an_admin_changes_the_settings)
    assert loads == 2


async def test_forgetting_one_organisation_or_everything() -> None:
    cache = OrgAICache(60)
    orgs = [uuid.uuid4() for _ in range(3)]
    loads: list[uuid.UUID] = []

    async def fill() -> None:
        for org in orgs:

            async def load(org: uuid.UUID = org) -> OrgAI:
                loads.append(org)
                return _org_ai(org)

            await cache.get(org, load)

    await fill()
    await fill()
    assert loads == orgs
    cache.forget([orgs[1]])
    loads.clear()
    await fill()
    assert loads == [orgs[1]]
    cache.forget([EVERYTHING])
    loads.clear()
    await fill()
    assert loads == orgs


async def test_the_cache_keeps_to_its_size() -> None:
    cache = OrgAICache(60, max_entries=4)
    for _ in range(10):
        org = uuid.uuid4()

        async def load(org: uuid.UUID = org) -> OrgAI:
            return _org_ai(org)

        await cache.get(org, load)
    assert len(cache._entries) <= 4


def test_garbled_announcements_forget_everything() -> None:
    org = uuid.uuid4()
    assert OrgAICache.decode(f"{org} *".encode()) == [org, EVERYTHING]
    assert OrgAICache.decode("not-a-uuid") == [EVERYTHING]
    assert OrgAICache.decode(OrgAICache.encode([org])) == [org]


# ---- noticing what a statement touches -------------------------------------------------------------


async def _recorded(harness: Any, statement: Any) -> set[Any]:
    return await recorded(harness, statement, CHANGES_KEY)


async def test_bulk_statements_name_the_organisations_they_touch(harness: Any) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    one = delete(AIProviderKey).where(AIProviderKey.organisation_id == a, AIProviderKey.provider == "openai")
    assert await _recorded(harness, one) == {a}
    both = update(AIOrgSettings).where(AIOrgSettings.organisation_id.in_([a, b])).values(aliases={})
    assert await _recorded(harness, both) == {a, b}
    # Criteria that do not pin an organisation down touch anything.
    assert await _recorded(harness, update(AIOrgSettings).values(allow_external=True)) == {EVERYTHING}
    # Other tables are none of the cache's business.
    assert await _recorded(harness, update(AISpend).where(AISpend.id == a).values(spent_micros=0)) == set()


@pytest.mark.skipif(not REDIS_URL, reason="set STARGUIDE_TEST_REDIS_URL")
async def test_a_change_in_one_process_reaches_the_others_through_redis(
    harness_factory: Any, fake: FakeProviderServer
) -> None:
    settings = fake_settings(fake)
    settings["ai_aliases"]["mentor-default"] = {"deployments": ["fake-openai", "local"]}
    first, second = await harness_factory(**settings), await harness_factory(**settings)
    await subscribed(first.runtime.ai_orgs, second.runtime.ai_orgs)
    org = await create_org(first.client)
    assert events((await _try(second, org)).text)[-1][1]["deployment"] == "fake-openai"
    policy = await first.client.patch(
        "/api/v1/ai/settings", json={"allow_external": False}, headers=org.admin.headers
    )
    assert policy.status_code == 200
    for _ in range(100):
        deployment = events((await _try(second, org)).text)[-1][1]["deployment"]
        if deployment == "local":
            break
        await asyncio.sleep(0.02)
    assert deployment == "local"
