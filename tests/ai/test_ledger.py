"""Reservations and settlements written together: budgets stay exact, failures stay apart."""

from __future__ import annotations

import asyncio
import gc
import uuid
from typing import Any

import httpx

from starguide.ai import budgets
from starguide.ai.ledger import Ledger, released
from starguide.ai.types import ChatMessage, ChatRequest
from tests.ai.fakes.server import DEFAULT_TEXT, FakeProviderServer, Script
from tests.ai.test_accounting import events, fake_settings, month_spend, usage_rows
from tests.ai.test_sse import serve, wait_settled
from tests.factories import add_member, create_org

REQUEST = ChatRequest((ChatMessage("user", "Hello?"),), max_tokens=50)


async def _worst(harness: Any) -> int:
    runtime = harness.runtime
    deployments = runtime.ai.candidates("mentor-default", REQUEST)
    return int(runtime.ai.worst_case_micros(deployments, REQUEST))


async def test_concurrent_try_calls_never_overspend(harness_factory: Any, fake: FakeProviderServer) -> None:
    harness = await harness_factory(**fake_settings(fake))
    runtime = harness.runtime
    org = await create_org(harness.client)
    worst = await _worst(harness)
    # Warm the counter row, so the batch takes its fast path first and must fall back near the cap.
    first = await harness.client.post(
        "/api/v1/ai/try", json={"prompt": "Hello?", "max_tokens": 50}, headers=org.admin.headers
    )
    assert events(first.text)[-1][0] == "done"
    spent = (await month_spend(runtime, org.id)).spent_micros
    budget = spent + 5 * worst - 1  # room for exactly 4 more calls at their worst case
    await harness.client.patch(
        "/api/v1/ai/settings", json={"monthly_budget_usd": budget / 1_000_000}, headers=org.admin.headers
    )

    # The replies wait before their first token, so no call settles (and hands back the unused part of
    # its reservation) before all 24 have been granted or refused.
    fake.script("gpt-4o-mini", *[Script(first_token_delay=1.5) for _ in range(24)])

    async def ask() -> Any:
        return await harness.client.post(
            "/api/v1/ai/try", json={"prompt": "Hello?", "max_tokens": 50}, headers=org.admin.headers
        )

    responses = await asyncio.gather(*[ask() for _ in range(24)])
    answered = [r for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code == 429]
    assert len(answered) == 4
    assert len(refused) == 20
    for response in refused:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["cap"] == "organisation_monthly"
    for response in answered:
        assert events(response.text)[-1][0] == "done"
        assert "".join(d["text"] for kind, d in events(response.text) if kind == "delta") == DEFAULT_TEXT
    spend = await month_spend(runtime, org.id)
    assert spend.reserved_micros == 0
    rows = await usage_rows(runtime, org.id)
    assert len(rows) == 5
    assert all(r.outcome == "ok" and r.reserved_micros == 0 for r in rows)
    assert spend.spent_micros == sum(r.cost_micros for r in rows) <= budget


async def test_a_batch_grants_what_fits_in_order(harness_factory: Any, fake: FakeProviderServer) -> None:
    harness = await harness_factory(**fake_settings(fake, ai_learner_daily_budget_usd=0.001))
    runtime = harness.runtime
    org = await create_org(harness.client)
    now = runtime.clock()
    ledger = Ledger(runtime.db)
    one = await add_member(harness.client, org, "learner")
    two = await add_member(harness.client, org, "learner")
    learner, other = one.user_id, two.user_id

    def caps(user: uuid.UUID) -> list[budgets.Cap]:
        return [budgets.Cap("org_month", org.id, None), budgets.Cap("user_day", user, 1000)]

    def usage(user: uuid.UUID) -> dict[str, Any]:
        return {
            "organisation_id": org.id,
            "user_id": user,
            "alias": "a",
            "outcome": "pending",
            "created_at": now,
        }

    # Three of 400 fit one learner's 1000 only twice; the other learner's one always fits.
    outcomes = await asyncio.gather(
        *[ledger.reserve(org.id, caps(learner), 400, now, usage(learner)) for _ in range(3)],
        ledger.reserve(org.id, caps(other), 400, now, usage(other)),
        return_exceptions=True,
    )
    assert [isinstance(o, budgets.BudgetExceeded) for o in outcomes] == [False, False, True, False]
    assert isinstance(outcomes[2], budgets.BudgetExceeded)
    assert outcomes[2].cap == "user_day"
    # Again, now that every counter row is known: the batch's total does not fit, so one at a time.
    again = await asyncio.gather(
        ledger.reserve(org.id, caps(other), 400, now, usage(other)),
        ledger.reserve(org.id, caps(other), 400, now, usage(other)),
        return_exceptions=True,
    )
    assert [isinstance(o, budgets.BudgetExceeded) for o in again] == [False, True]
    assert (await month_spend(runtime, org.id)).reserved_micros == 4 * 400  # nothing held for a refusal
    # Settled together: each call's real cost moves out of the reservations.
    granted = [o for o in [*outcomes, *again] if not isinstance(o, BaseException)]
    result = released("a")
    settled = await asyncio.gather(
        *[
            ledger.settle(org.id, usage_id, result, budgets.Held(400, tuple(rows)), now)
            for usage_id, rows in granted
        ]
    )
    assert settled == [True] * 4
    # A call settles once, whoever comes second.
    usage_id, rows = granted[0]
    assert await ledger.settle(org.id, usage_id, result, budgets.Held(400, tuple(rows)), now) is False
    spend = await month_spend(runtime, org.id)
    assert (spend.reserved_micros, spend.spent_micros) == (0, 0)
    assert {r.outcome for r in await usage_rows(runtime, org.id)} == {"cancelled"}


async def test_one_bad_operation_fails_alone(harness_factory: Any, fake: FakeProviderServer) -> None:
    harness = await harness_factory(**fake_settings(fake))
    runtime = harness.runtime
    org = await create_org(harness.client)
    now = runtime.clock()
    ledger = Ledger(runtime.db)
    cap = [budgets.Cap("org_month", org.id, None)]
    good = {"organisation_id": org.id, "user_id": None, "alias": "a", "outcome": "pending", "created_at": now}
    bad = {**good, "user_id": uuid.uuid4()}  # no such user: the foreign key refuses the row
    outcomes = await asyncio.gather(
        ledger.reserve(org.id, cap, 100, now, good),
        ledger.reserve(org.id, cap, 100, now, bad),
        return_exceptions=True,
    )
    assert not isinstance(outcomes[0], BaseException)
    assert isinstance(outcomes[1], Exception)
    assert not isinstance(outcomes[1], budgets.BudgetExceeded)
    (row,) = await usage_rows(runtime, org.id)
    assert row.id == outcomes[0][0]
    assert (await month_spend(runtime, org.id)).reserved_micros == 100  # the failed one held nothing


async def test_a_caller_that_leaves_while_reserving_holds_nothing(
    harness_factory: Any, fake: FakeProviderServer
) -> None:
    harness = await harness_factory(**fake_settings(fake))
    runtime = harness.runtime
    org = await create_org(harness.client)
    now = runtime.clock()
    ledger = Ledger(runtime.db)
    usage = {
        "organisation_id": org.id,
        "user_id": None,
        "alias": "a",
        "outcome": "pending",
        "created_at": now,
    }
    task = asyncio.create_task(
        ledger.reserve(org.id, [budgets.Cap("org_month", org.id, None)], 100, now, usage)
    )
    await asyncio.sleep(0)  # queued, not yet written
    task.cancel()
    for _ in range(500):
        rows = await usage_rows(runtime, org.id)
        if rows and rows[0].outcome != "pending":
            break
        await asyncio.sleep(0.01)
    (row,) = rows
    assert row.outcome == "cancelled"
    assert row.cost_micros == 0
    assert (await month_spend(runtime, org.id)).reserved_micros == 0


async def test_provider_down_releases_the_reservation(harness_factory: Any, fake: FakeProviderServer) -> None:
    harness = await harness_factory(**fake_settings(fake, ai_max_retries=0, ai_offline_fallback=False))
    org = await create_org(harness.client)
    fake.script("gpt-4o-mini", Script(error="server"))
    fake.script("gpt-4o-mini", Script(error="server"))
    responses = await asyncio.gather(
        *[harness.client.post("/api/v1/ai/try", json={}, headers=org.admin.headers) for _ in range(2)]
    )
    for response in responses:
        ((kind, data),) = events(response.text)
        assert kind == "error"
        assert data["status"] == 503
    rows = await usage_rows(harness.runtime, org.id)
    assert [(r.outcome, r.cost_micros, r.reserved_micros) for r in rows] == [("error", 0, 0)] * 2
    assert (await month_spend(harness.runtime, org.id)).reserved_micros == 0


async def test_disconnect_settles_the_reservation(harness_factory: Any, fake: FakeProviderServer) -> None:
    harness = await harness_factory(**fake_settings(fake))
    org = await create_org(harness.client)
    fake.script("gpt-4o-mini", Script(hang_after=1))
    async with serve(harness.app) as url, httpx.AsyncClient(base_url=url) as client:
        async with client.stream("POST", "/api/v1/ai/try", json={}, headers=org.admin.headers) as response:
            async for line in response.aiter_lines():
                if line == "event: delta":
                    break
        row = await wait_settled(harness.runtime, org.id)
    assert row.outcome == "cancelled"
    spend = await month_spend(harness.runtime, org.id)
    assert spend.reserved_micros == 0
    assert spend.spent_micros == row.cost_micros > 0


async def test_reserving_and_settling_leave_no_garbage_cycles(
    harness_factory: Any, fake: FakeProviderServer
) -> None:
    """Every call reserves and settles: what it leaves behind must be freed by reference counting.

    Cycles wait for the garbage collector, whose pauses stop every stream in flight. Statements built
    per call left about 50 objects in cycles per call (bound parameters and their comparators).
    """
    harness = await harness_factory(**fake_settings(fake))
    runtime = harness.runtime
    org = await create_org(harness.client)
    now = runtime.clock()
    ledger = Ledger(runtime.db)
    caps = [budgets.Cap("org_month", org.id, 10**9)]
    usage = {"organisation_id": org.id, "alias": "a", "outcome": "pending", "created_at": now}

    async def call() -> None:
        usage_id, rows = await ledger.reserve(org.id, caps, 400, now, usage)
        assert await ledger.settle(org.id, usage_id, released("a"), budgets.Held(400, tuple(rows)), now)

    for _ in range(5):  # the first calls fill caches: compiled statements, known counter rows
        await call()
    gc.collect()
    gc.disable()
    try:
        for _ in range(20):
            await call()
        in_cycles = gc.collect()
    finally:
        gc.enable()
    assert in_cycles == 0
