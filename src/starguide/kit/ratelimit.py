"""Rate limits with the `limits` library: in memory by default, in Redis when configured.

`RateLimiter.hit(rule, key)` is what routes use (per user, on login, on AI calls);
`RateLimitMiddleware` applies the per-IP limit to every HTTP request.
"""

from __future__ import annotations

import math
import time
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Receive, Scope, Send

from starguide.kit.errors import TooManyRequests
from starguide.kit.middleware import send_problem


class RateLimiter:
    def __init__(self, redis: Any = None, enabled: bool = True) -> None:
        """`redis`: a `redis.asyncio.Redis` whose connection pool is shared (and closed by its owner)."""
        self.enabled = enabled
        storage = (
            storage_from_string(
                "async+redis://", implementation="redispy", connection_pool=redis.connection_pool
            )
            if redis is not None
            else MemoryStorage()
        )
        assert isinstance(storage, Storage)
        self.storage = storage
        self.strategy = SlidingWindowCounterRateLimiter(self.storage)
        self._parsed: dict[str, list[RateLimitItem]] = {}

    def _items(self, rule: str) -> list[RateLimitItem]:
        items = self._parsed.get(rule)
        if items is None:
            items = self._parsed[rule] = parse_many(rule)
        return items

    async def retry_after(self, rule: str, *keys: str) -> int | None:
        """Count one hit; return seconds to wait when any window of `rule` is exhausted."""
        if not self.enabled:
            return None
        for item in self._items(rule):
            if not await self.strategy.hit(item, *keys):
                stats = await self.strategy.get_window_stats(item, *keys)
                return max(1, math.ceil(stats.reset_time - time.time()))
        return None

    async def hit(self, rule: str, *keys: str, what: str = "requests") -> None:
        """Raise a 429 problem when `keys` went past `rule`."""
        wait = await self.retry_after(rule, *keys)
        if wait is not None:
            raise TooManyRequests(f"Too many {what}; try again in {wait} seconds.", retry_after=wait)

    async def reset(self) -> None:
        await self.storage.reset()


class RateLimitMiddleware:
    """The per-IP limit on every HTTP request, answered with a 429 problem and `Retry-After`."""

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter, rule: str) -> None:
        self.app = app
        self.limiter = limiter
        self.rule = rule

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.limiter.enabled:
            client = scope.get("client")
            wait = await self.limiter.retry_after(self.rule, "ip", client[0] if client else "unknown")
            if wait is not None:
                await send_problem(
                    send,
                    429,
                    f"Too many requests from this address; try again in {wait} seconds.",
                    scope.get("state", {}).get("request_id"),
                    headers=[(b"retry-after", str(wait).encode())],
                    slug="rate-limited",
                    title="Too many requests",
                )
                return
        await self.app(scope, receive, send)
