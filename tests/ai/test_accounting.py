"""Usage records, budgets (also under 20 concurrent calls), the data policy and the admin API."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from starguide.ai import budgets
from starguide.ai.models import AISpend, AIUsage
from starguide.ai.router import StreamFinished
from starguide.ai.service import reserve_call, settle_stale_calls
from starguide.ai.types import ChatMessage, ChatRequest, TextDelta
from starguide.kit.time import FrozenClock
from tests.ai.fakes.server import DEFAULT_TEXT, FakeProviderServer, Script
from tests.factories import add_member, create_org

REQUEST = ChatRequest((ChatMessage("user", "What is a loop?"),), max_tokens=200)


def fake_settings(fake: FakeProviderServer, **extra: Any) -> dict[str, Any]:
    return {
        "ai_deployments": {
            "fake-openai": {
                "provider": "openai",
                "model": "gpt-4o-mini",
                "api_key": "sk-server-key-0000",
                "base_url": f"{fake.url}/v1",
            },
            "fake-anthropic": {
                "provider": "anthropic",
                "model": "claude-haiku-4-5",
                "api_key": "sk-ant-server-0000",
                "base_url": fake.url,
            },
            "local": {"provider": "openai_compat", "model": "llama3.1", "base_url": f"{fake.url}/v1"},
        },
        "ai_aliases": {
            "mentor-default": {"deployments": ["fake-openai"]},
            "grader": {"deployments": ["fake-anthropic"]},
        },
        **extra,
    }


def events(body: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


async def usage_rows(runtime: Any, organisation_id: Any) -> list[AIUsage]:
    async with runtime.db.session(write=False) as session:
        stmt = select(AIUsage).where(AIUsage.organisation_id == organisation_id).order_by(AIUsage.created_at)
        return list(await session.scalars(stmt))


async def month_spend(runtime: Any, organisation_id: Any) -> AISpend:
    async with runtime.db.session(write=False) as session:
        row = await session.scalar(
            select(AISpend).where(AISpend.organisation_id == organisation_id, AISpend.scope == "org_month")
        )
    assert row is not None
    return row


async def test_try_streams_and_records_usage(harness_factory: Any, fake: FakeProviderServer) -> None:
    harness = await harness_factory(**fake_settings(fake))
    org = await create_org(harness.client)
    response = await harness.client.post(
        "/api/v1/ai/try", json={"prompt": "Hello?", "max_tokens": 50}, headers=org.admin.headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    got = events(response.text)
    assert "".join(d["text"] for kind, d in got if kind == "delta") == DEFAULT_TEXT
    kind, done = got[-1]
    assert kind == "done"
    assert done["deployment"] == "fake-openai"
    assert done["estimated"] is False
    (row,) = await usage_rows(harness.runtime, org.id)
    assert row.outcome == "ok"
    assert row.user_id == org.admin.user_id
    assert (row.input_tokens, row.cached_input_tokens, row.output_tokens) == (40, 8, 12)
    assert row.cost_micros == 13
    assert row.reserved_micros == 0
    assert not row.estimated
    assert row.ttft_ms is not None
    assert row.latency_ms is not None
    spend = await month_spend(harness.runtime, org.id)
    assert (spend.spent_micros, spend.reserved_micros) == (13, 0)
    listed = (await harness.client.get("/api/v1/ai/usage", headers=org.admin.headers)).json()
    assert listed["total"] == 1
    assert listed["items"][0]["cost_usd"] == 0.000013
    summary = (await harness.client.get("/api/v1/ai/usage/summary", headers=org.admin.headers)).json()
    assert summary["spent_usd"] == 0.000013
    assert summary["groups"][0]["calls"] == 1


async def test_cut_stream_is_recorded_with_an_estimate(
    harness_factory: Any, fake: FakeProviderServer
) -> None:
    harness = await harness_factory(**fake_settings(fake))
    fake.script("gpt-4o-mini", Script(cut_after=2))
    org = await create_org(harness.client)
    response = await harness.client.post("/api/v1/ai/try", json={}, headers=org.admin.headers)
    got = events(response.text)
    assert [k for k, _ in got] == ["delta", "delta", "error"]
    assert got[-1][1]["kind"] == "connection"
    assert got[-1][1]["estimated"] is True
    (row,) = await usage_rows(harness.runtime, org.id)
    assert row.outcome == "error"
    assert row.estimated
    assert row.error_kind == "connection"
    assert row.output_tokens > 0
    assert row.cost_micros > 0
    assert (await month_spend(harness.runtime, org.id)).spent_micros == row.cost_micros


async def test_monthly_budget_exceeded_is_its_own_429(harness_factory: Any, fake: FakeProviderServer) -> None:
    harness = await harness_factory(**fake_settings(fake))
    harness.runtime.clock = FrozenClock(datetime(2026, 11, 30, 23, 0, tzinfo=UTC))
    org = await create_org(harness.client)
    patched = await harness.client.patch(
        "/api/v1/ai/settings", json={"monthly_budget_usd": 0.00002}, headers=org.admin.headers
    )
    assert patched.json()["effective_monthly_budget_usd"] == 0.00002
    response = await harness.client.post(
        "/api/v1/ai/try", json={"max_tokens": 1000}, headers=org.admin.headers
    )
    assert response.status_code == 429
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/budget-exceeded")
    assert problem["cap"] == "organisation_monthly"
    assert problem["resets_at"] == "2026-12-01T00:00:00+00:00"
    assert response.headers["retry-after"] == "3600"
    assert fake.requests_for("gpt-4o-mini") == []
    assert await usage_rows(harness.runtime, org.id) == []  # rolled back with the request


async def test_learner_daily_cap(harness_factory: Any, fake: FakeProviderServer) -> None:
    harness = await harness_factory(**fake_settings(fake, ai_learner_daily_budget_usd=0.00013))
    harness.runtime.clock = FrozenClock(datetime(2026, 11, 25, 18, 30, tzinfo=UTC))
    org = await create_org(harness.client)
    learner = await add_member(harness.client, org, "learner")
    runtime = harness.runtime

    async def ask() -> None:
        async with runtime.db.session() as session:
            call = await reserve_call(
                session,
                runtime,
                organisation_id=org.id,
                user_id=learner.user_id,
                learner=True,
                alias="mentor-default",
                request=REQUEST,
            )
        async for _ in call.stream():
            pass

    await ask()  # worst case (~123 micro-dollars) fits the cap of 130; the real cost is 13
    with pytest.raises(budgets.BudgetExceeded) as caught:
        await ask()  # 13 spent + 123 held would pass the cap
    assert caught.value.cap == "user_day"
    assert caught.value.headers["Retry-After"] == str(5 * 3600 + 30 * 60)
    # The organisation admin is not a learner: no daily cap.
    async with runtime.db.session() as session:
        await reserve_call(
            session,
            runtime,
            organisation_id=org.id,
            user_id=org.admin.user_id,
            learner=False,
            alias="mentor-default",
            request=REQUEST,
        )


async def test_twenty_concurrent_calls_never_overspend(
    harness_factory: Any, fake: FakeProviderServer
) -> None:
    harness = await harness_factory(**fake_settings(fake))
    runtime = harness.runtime
    org = await create_org(harness.client)
    deployments = runtime.ai.candidates("mentor-default", REQUEST)
    worst = runtime.ai.worst_case_micros(deployments, REQUEST)
    # Room for exactly 4 calls at their worst case, and one micro-dollar short of a fifth.
    budget = 5 * worst - 1
    await harness.client.patch(
        "/api/v1/ai/settings", json={"monthly_budget_usd": budget / 1_000_000}, headers=org.admin.headers
    )

    async def reserve() -> Any:
        async with runtime.db.session() as session:
            return await reserve_call(
                session,
                runtime,
                organisation_id=org.id,
                user_id=org.admin.user_id,
                learner=False,
                alias="mentor-default",
                request=REQUEST,
            )

    outcomes = await asyncio.gather(*[reserve() for _ in range(20)], return_exceptions=True)
    calls = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, budgets.BudgetExceeded)]
    assert len(calls) == 4
    assert len(refused) == 16
    spend = await month_spend(runtime, org.id)
    assert spend.reserved_micros == 4 * worst <= budget

    async def consume(call: Any) -> str:
        text = ""
        async for event in call.stream():
            if isinstance(event, TextDelta):
                text += event.text
            else:
                assert isinstance(event, StreamFinished)
        return text

    assert await asyncio.gather(*[consume(c) for c in calls]) == [DEFAULT_TEXT] * 4
    spend = await month_spend(runtime, org.id)
    assert spend.reserved_micros == 0
    assert spend.spent_micros == 4 * 13 <= budget
    assert len(await usage_rows(runtime, org.id)) == 4


async def test_data_policy_keeps_learners_data_home(harness_factory: Any, fake: FakeProviderServer) -> None:
    settings = fake_settings(fake)
    settings["ai_aliases"]["mentor-default"] = {"deployments": ["fake-openai", "local"]}
    harness = await harness_factory(**settings)
    org = await create_org(harness.client)
    policy = await harness.client.patch(
        "/api/v1/ai/settings", json={"allow_external": False}, headers=org.admin.headers
    )
    assert policy.json()["allow_external"] is False
    response = await harness.client.post("/api/v1/ai/try", json={}, headers=org.admin.headers)
    assert events(response.text)[-1][1]["deployment"] == "local"
    assert fake.requests_for("gpt-4o-mini") == []
    # The grader alias has only an outside provider: refused, and nothing is sent.
    refused = await harness.client.post("/api/v1/ai/try", json={"alias": "grader"}, headers=org.admin.headers)
    assert refused.status_code == 503
    assert refused.json()["reason"] == "data_policy"
    assert fake.requests_for("claude-haiku-4-5") == []
    providers = (await harness.client.get("/api/v1/ai/providers", headers=org.admin.headers)).json()
    usable = {p["name"]: p["usable"] for p in providers}
    assert usable["fake-openai"] is False
    assert usable["local"] is True
    assert usable["offline"] is True


async def test_all_deployments_failing_is_a_503_event(harness_factory: Any, fake: FakeProviderServer) -> None:
    harness = await harness_factory(**fake_settings(fake, ai_max_retries=0, ai_offline_fallback=False))
    fake.script("gpt-4o-mini", Script(error="rate_limit", retry_after="30"))
    org = await create_org(harness.client)
    response = await harness.client.post("/api/v1/ai/try", json={}, headers=org.admin.headers)
    ((kind, data),) = events(response.text)
    assert kind == "error"
    assert data["status"] == 503
    assert data["reason"] == "rate_limited"
    (row,) = await usage_rows(harness.runtime, org.id)
    assert row.outcome == "error"
    assert row.cost_micros == 0
    assert row.error_kind == "rate_limited"
    assert (await month_spend(harness.runtime, org.id)).reserved_micros == 0


async def test_organisation_aliases(harness_factory: Any, fake: FakeProviderServer) -> None:
    harness = await harness_factory(**fake_settings(fake))
    org = await create_org(harness.client)
    headers = org.admin.headers
    chosen = await harness.client.put(
        "/api/v1/ai/aliases/mentor-default", json={"deployments": ["fake-anthropic"]}, headers=headers
    )
    assert chosen.json() == {
        "alias": "mentor-default",
        "strategy": "priority",
        "deployments": ["fake-anthropic"],
        "customised": True,
    }
    response = await harness.client.post("/api/v1/ai/try", json={}, headers=headers)
    assert events(response.text)[-1][1]["deployment"] == "fake-anthropic"
    bad = await harness.client.put(
        "/api/v1/ai/aliases/mentor-default", json={"deployments": ["nope"]}, headers=headers
    )
    assert bad.status_code == 422
    missing = await harness.client.put(
        "/api/v1/ai/aliases/no-such", json={"deployments": ["local"]}, headers=headers
    )
    assert missing.status_code == 404
    assert (
        await harness.client.delete("/api/v1/ai/aliases/mentor-default", headers=headers)
    ).status_code == 204
    aliases = (await harness.client.get("/api/v1/ai/aliases", headers=headers)).json()
    default = next(a for a in aliases if a["alias"] == "mentor-default")
    assert default["deployments"] == ["fake-openai", "offline"]
    assert not default["customised"]


async def test_lost_calls_are_charged_their_reservation(
    harness_factory: Any, fake: FakeProviderServer
) -> None:
    harness = await harness_factory(**fake_settings(fake))
    runtime = harness.runtime
    org = await create_org(harness.client)
    start = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    runtime.clock = FrozenClock(start)
    async with runtime.db.session() as session:
        call = await reserve_call(
            session,
            runtime,
            organisation_id=org.id,
            user_id=None,
            learner=False,
            alias="mentor-default",
            request=REQUEST,
        )
    # The process dies here: the call is never streamed nor settled.
    async with runtime.db.session() as session:
        assert await settle_stale_calls(session, start + timedelta(minutes=5)) == 0
        assert await settle_stale_calls(session, start + timedelta(minutes=20)) == 1
    async with runtime.db.session() as session:
        assert await settle_stale_calls(session, start + timedelta(minutes=30)) == 0
    (row,) = await usage_rows(runtime, org.id)
    assert row.id == call.usage_id
    assert row.outcome == "error"
    assert row.error_kind == "lost"
    assert row.estimated
    spend = await month_spend(runtime, org.id)
    assert spend.spent_micros == row.cost_micros > 0
    assert spend.reserved_micros == 0


async def test_settings_validation(harness_factory: Any, fake: FakeProviderServer) -> None:
    harness = await harness_factory(**fake_settings(fake))
    org = await create_org(harness.client)
    bad = await harness.client.patch(
        "/api/v1/ai/settings", json={"monthly_budget_usd": -1}, headers=org.admin.headers
    )
    assert bad.status_code == 422
    set_then_clear = await harness.client.patch(
        "/api/v1/ai/settings", json={"monthly_budget_usd": 12.5}, headers=org.admin.headers
    )
    assert set_then_clear.json()["monthly_budget_usd"] == 12.5
    cleared = await harness.client.patch(
        "/api/v1/ai/settings", json={"clear_monthly_budget": True}, headers=org.admin.headers
    )
    assert cleared.json()["monthly_budget_usd"] is None
    too_long = await harness.client.post(
        "/api/v1/ai/try", json={"prompt": "x" * 3000}, headers=org.admin.headers
    )
    assert too_long.status_code == 422


async def test_ai_calls_are_rate_limited_per_user(harness_factory: Any, fake: FakeProviderServer) -> None:
    harness = await harness_factory(**fake_settings(fake), rate_limit_ai="2/minute")
    org = await create_org(harness.client)
    for _ in range(2):
        ok = await harness.client.post("/api/v1/ai/try", json={}, headers=org.admin.headers)
        assert ok.status_code == 200
    limited = await harness.client.post("/api/v1/ai/try", json={}, headers=org.admin.headers)
    assert limited.status_code == 429
    assert limited.json()["type"].endswith("/rate-limited")
    assert int(limited.headers["retry-after"]) >= 1


async def test_usage_breakdown_by_alias_user_and_day(harness_factory: Any, fake: FakeProviderServer) -> None:
    harness = await harness_factory(**fake_settings(fake))
    harness.runtime.clock = FrozenClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    org = await create_org(harness.client)
    learner = await add_member(harness.client, org, "learner")
    other = await create_org(harness.client)
    late_evening = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    calls = [  # (organisation, user, alias, cost in micro-dollars, when)
        (org.id, learner.user_id, "mentor-default", 300, datetime(2026, 11, 25, 8, 0, tzinfo=UTC)),
        (org.id, learner.user_id, "mentor-default", 200, late_evening),
        (org.id, org.admin.user_id, "grader", 50, late_evening),
        (org.id, None, "grader", 7, datetime(2026, 11, 20, 12, 0, tzinfo=UTC)),
        (org.id, learner.user_id, "mentor-default", 1000, datetime(2026, 10, 1, tzinfo=UTC)),  # too old
        (other.id, other.admin.user_id, "mentor-default", 999, late_evening),  # another organisation
    ]
    async with harness.runtime.db.session() as session:
        for organisation_id, user_id, alias, cost, when in calls:
            session.add(
                AIUsage(
                    organisation_id=organisation_id,
                    user_id=user_id,
                    alias=alias,
                    deployment="fake-openai",
                    input_tokens=10,
                    output_tokens=5,
                    cost_micros=cost,
                    outcome="ok",
                    created_at=when,
                )
            )

    async def breakdown(**params: Any) -> dict[str, Any]:
        response = await harness.client.get(
            "/api/v1/ai/usage/breakdown", params=params, headers=org.admin.headers
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    by_alias = await breakdown(by="alias", days=30)
    assert by_alias["since"] == "2026-10-27T00:00:00Z"
    assert [(g["key"], g["calls"], g["cost_usd"]) for g in by_alias["groups"]] == [
        ("mentor-default", 2, 0.0005),
        ("grader", 2, 0.000057),
    ]
    assert (by_alias["total_calls"], by_alias["total_cost_usd"]) == (4, 0.000557)
    assert by_alias["groups"][0]["input_tokens"] == 20
    by_user = await breakdown(by="user", days=30)

    async def name(account: Any) -> str:
        return str((await harness.client.get("/api/v1/me", headers=account.headers)).json()["display_name"])

    assert [(g["key"], g["label"], g["cost_usd"]) for g in by_user["groups"]] == [
        (str(learner.user_id), await name(learner), 0.0005),
        (str(org.admin.user_id), await name(org.admin), 0.00005),
        (None, "Deleted account", 0.000007),
    ]
    by_day = await breakdown(by="day", days=2)  # today and yesterday, UTC
    assert [(g["key"], g["calls"], g["cost_usd"]) for g in by_day["groups"]] == [
        ("2026-11-25", 1, 0.0003),
        ("2026-11-24", 2, 0.00025),
    ]
    bad = await harness.client.get(
        "/api/v1/ai/usage/breakdown", params={"by": "model"}, headers=org.admin.headers
    )
    assert bad.status_code == 422
    assert (
        await harness.client.get("/api/v1/ai/usage/breakdown", params={"days": 0}, headers=org.admin.headers)
    ).status_code == 422
