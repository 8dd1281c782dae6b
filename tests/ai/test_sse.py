"""Streaming over real HTTP: a client that hangs up stops the upstream call; what it cost is recorded."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from starguide.ai.models import AIUsage
from tests.ai.fakes.server import FakeProviderServer, Script
from tests.ai.test_accounting import fake_settings
from tests.factories import create_org


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """The app on a real loopback port (the test transport buffers whole responses)."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


async def wait_settled(runtime: Any, organisation_id: Any) -> AIUsage:
    for _ in range(500):
        async with runtime.db.session(write=False) as session:
            row = await session.scalar(select(AIUsage).where(AIUsage.organisation_id == organisation_id))
        if row is not None and row.outcome != "pending":
            return row
        await asyncio.sleep(0.01)
    raise AssertionError("the call was never settled")


@pytest.mark.parametrize("model", ["gpt-4o-mini", "claude-haiku-4-5"])
async def test_client_disconnect_cancels_the_upstream_call(
    harness_factory: Any, fake: FakeProviderServer, model: str
) -> None:
    harness = await harness_factory(**fake_settings(fake))
    org = await create_org(harness.client)
    alias = "mentor-default" if model == "gpt-4o-mini" else "grader"
    fake.script(model, Script(hang_after=2))
    async with serve(harness.app) as url, httpx.AsyncClient(base_url=url) as client:
        async with client.stream(
            "POST", "/api/v1/ai/try", json={"alias": alias}, headers=org.admin.headers
        ) as response:
            assert response.status_code == 200
            deltas = 0
            async for line in response.aiter_lines():
                deltas += line == "event: delta"
                if deltas == 2:
                    break
        # The block has closed the connection: the provider must see it go, at once.
        (upstream,) = fake.requests_for(model)
        await asyncio.wait_for(upstream.disconnected.wait(), 5)
        assert not upstream.finished
        row = await wait_settled(harness.runtime, org.id)
    assert row.outcome == "cancelled"
    assert row.finish_reason == "cancelled"
    assert row.estimated
    assert row.output_tokens > 0
    assert row.cost_micros > 0
    assert row.reserved_micros == 0


async def test_streams_over_real_http(harness_factory: Any, fake: FakeProviderServer) -> None:
    harness = await harness_factory(**fake_settings(fake))
    org = await create_org(harness.client)
    fake.script("gpt-4o-mini", Script(pieces=8, piece_delay=0.02))
    async with (
        serve(harness.app) as url,
        httpx.AsyncClient(base_url=url) as client,
        client.stream("POST", "/api/v1/ai/try", json={}, headers=org.admin.headers) as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        kinds = [line[7:] async for line in response.aiter_lines() if line.startswith("event: ")]
    assert kinds == ["delta"] * 8 + ["done"]
    assert (await wait_settled(harness.runtime, org.id)).outcome == "ok"


async def test_openapi_names_the_event_stream(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/openapi.json")).json()
    operation = schema["paths"]["/api/v1/ai/try"]["post"]
    assert operation["operationId"] == "ai-try_alias"
    assert "text/event-stream" in operation["responses"]["200"]["content"]
