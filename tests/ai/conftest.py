"""Fixtures for the AI tests: a fake provider server on loopback, and routers pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from starguide.ai.config import Alias, Catalog, Deployment, ProviderKind, Strategy
from starguide.ai.pricing import PriceTable
from starguide.ai.router import Router, RouterPolicy
from tests.ai.fakes.server import FakeProviderServer


@pytest.fixture
async def fake() -> AsyncIterator[FakeProviderServer]:
    server = await FakeProviderServer().start()
    yield server
    await server.stop()


class Ticker:
    """A monotonic clock the test moves by hand (circuit-breaker cooldowns)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Sleeps:
    """Records the waits the router asks for, and lets them pass at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def deployment(fake: FakeProviderServer, provider: ProviderKind, model: str, **kwargs: Any) -> Deployment:
    base = f"{fake.url}/v1" if provider in ("openai", "openai_compat") else fake.url
    kwargs.setdefault("api_key", f"sk-test-{provider}-key-1234")
    return Deployment(
        name=kwargs.pop("name", f"{provider}:{model}"),
        provider=provider,
        model=model,
        base_url=base,
        **kwargs,
    )


@pytest.fixture
def make_router() -> Callable[..., tuple[Router, Ticker, Sleeps]]:
    def build(
        *deployments: Deployment,
        strategy: Strategy = "priority",
        alias: str = "mentor-default",
        **policy: Any,
    ) -> tuple[Router, Ticker, Sleeps]:
        catalog = Catalog(
            deployments={d.name: d for d in deployments},
            aliases={alias: Alias(alias, strategy, tuple(deployments))},
        )
        ticker, sleeps = Ticker(), Sleeps()
        policy.setdefault("backoff_base", 0.01)
        router = Router(
            catalog,
            PriceTable.with_overrides(),
            RouterPolicy(**policy),
            monotonic=ticker,
            sleep=sleeps,
            rng=lambda: 1.0,
        )
        return router, ticker, sleeps

    return build
