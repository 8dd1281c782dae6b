"""The per-IP limiter: exact in memory, batched through Redis with a bounded overshoot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from starguide.kit.errors import TooManyRequests
from starguide.kit.ratelimit import BatchedWindowLimiter, RateLimiter
from tests.conftest import REDIS_URL, requires_redis

NOW = 1_700_000_000.0  # a fixed instant, 20 s into a minute window


@pytest.fixture
async def redis() -> AsyncIterator[Any]:
    from redis.asyncio import Redis

    assert REDIS_URL is not None
    client = Redis.from_url(REDIS_URL)
    limiter = BatchedWindowLimiter("1/second", client)
    await limiter.reset()
    yield client
    await limiter.reset()
    await client.aclose()


async def test_memory_limiter_is_exact_and_says_when_to_retry() -> None:
    limiter = BatchedWindowLimiter("5/minute")
    results = [await limiter.retry_after("ip:a", now=NOW) for _ in range(7)]
    assert results[:5] == [None] * 5
    assert results[5] == results[6] == 60 - int(NOW % 60)
    assert await limiter.retry_after("ip:b", now=NOW) is None  # other keys unaffected
    assert await limiter.retry_after("ip:a", now=NOW + 60) is None  # next window


async def test_every_window_of_a_rule_applies() -> None:
    limiter = BatchedWindowLimiter("100/minute;3/second")
    assert [await limiter.retry_after("k", now=NOW) for _ in range(4)] == [None, None, None, 1]


@requires_redis
async def test_two_processes_share_the_limit_with_small_overshoot(redis: Any) -> None:
    """Two limiters (as two workers) on one Redis: together they allow about the limit, not twice it."""
    one = BatchedWindowLimiter("40/minute", redis)
    two = BatchedWindowLimiter("40/minute", redis)
    allowed = 0
    for _ in range(60):
        for limiter in (one, two):
            if await limiter.retry_after("ip:shared", now=NOW) is None:
                allowed += 1
    await one.close()
    await two.close()
    assert 40 <= allowed <= 42


@requires_redis
async def test_idle_counts_are_flushed_to_redis(redis: Any) -> None:
    limiter = BatchedWindowLimiter("1000/minute", redis, sync_seconds=0.01)
    for _ in range(10):
        await limiter.retry_after("ip:flush")
    import asyncio

    for _ in range(100):
        keys = [k async for k in redis.scan_iter(match="sg:rl:*ip:flush*")]
        if keys and int(await redis.get(keys[0])) == 10:
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("counts never reached Redis")
    await limiter.close()


async def test_route_limiter_raises_problem_with_retry_after() -> None:
    limiter = RateLimiter()
    await limiter.hit("2/minute", "login", "a@example.org")
    await limiter.hit("2/minute", "login", "a@example.org")
    with pytest.raises(TooManyRequests) as caught:
        await limiter.hit("2/minute", "login", "a@example.org", what="sign-in attempts")
    assert "sign-in attempts" in caught.value.detail
    assert 1 <= int(caught.value.headers["Retry-After"]) <= 60
