"""Rate limits: in memory by default, shared through Redis when configured.

`RateLimiter.hit(rule, key)` is what routes use (per user, on login, on AI calls): exact, with the
`limits` library, one Redis round trip a hit. `RateLimitMiddleware` applies the per-IP limit to
every HTTP request through `BatchedWindowLimiter`, which syncs with Redis in batches instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Receive, Scope, Send

from starguide.kit.errors import TooManyRequests
from starguide.kit.middleware import send_problem

logger = logging.getLogger("starguide.ratelimit")


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

    async def close(self) -> None:
        """Close the Redis connections (the memory storage holds none)."""
        bridge = getattr(self.storage, "bridge", None)
        if bridge is not None:
            await bridge.get_connection().aclose()


@dataclass
class _Window:
    start: int  # window number (epoch seconds // period)
    shared: int = 0  # hits counted in Redis at the last sync, all processes together
    pending: int = 0  # hits counted here since the last sync
    allowance: int = 1  # local hits allowed before the next forced sync


class BatchedWindowLimiter:
    """Fixed-window limits counted locally and reconciled with Redis in batches.

    An exact Redis hit on every request costs a round trip each (it cut throughput to a fraction of
    the bare framework's in bench/http.py). Here each process counts locally and adds its counts to
    Redis (INCRBY) every `sync_seconds`, or at once when its local allowance is used up. The
    allowance is a quarter of what the window has left, so close to the limit every hit is synced
    and N processes together overshoot by fewer than N requests. Without Redis, counting is local
    and exact.
    """

    def __init__(self, rule: str, redis: Any = None, *, sync_seconds: float = 0.1) -> None:
        self.items = parse_many(rule)
        self.redis = redis
        self.sync_seconds = sync_seconds
        self._windows: dict[tuple[int, str], _Window] = {}
        self._flusher: asyncio.Task[None] | None = None

    async def retry_after(self, key: str, now: float | None = None) -> int | None:
        """Count one hit for `key`; return seconds to wait when a window is exhausted."""
        now = time.time() if now is None else now
        wait: int | None = None
        for index, item in enumerate(self.items):
            period = item.get_expiry()
            start = int(now // period)
            window = self._windows.get((index, key))
            if window is None or window.start != start:
                window = self._windows[(index, key)] = _Window(start=start)
            if window.shared + window.pending >= item.amount:
                wait = max(wait or 0, math.ceil((start + 1) * period - now))
                continue
            window.pending += 1
            if self.redis is None:
                continue
            if window.pending >= window.allowance:
                await self._sync({(index, key): window})
                if window.shared > item.amount:
                    wait = max(wait or 0, math.ceil((start + 1) * period - now))
            elif self._flusher is None:
                self._flusher = asyncio.create_task(self._flush_forever())
        return wait

    def _redis_key(self, index: int, key: str, window: _Window) -> str:
        return f"sg:rl:{self.items[index].key_for(key)}:{window.start}"

    async def _sync(self, windows: dict[tuple[int, str], _Window]) -> None:
        pending = [(k, w, w.pending) for k, w in windows.items() if w.pending]
        if not pending:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for (index, key), window, count in pending:
                redis_key = self._redis_key(index, key, window)
                pipe.incrby(redis_key, count)
                pipe.expire(redis_key, self.items[index].get_expiry() + 5)
            results = await pipe.execute()
        for position, ((index, _key), window, count) in enumerate(pending):
            window.pending -= count
            window.shared = int(results[2 * position])
            left = self.items[index].amount - window.shared
            window.allowance = max(1, left // 4)

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(self.sync_seconds)
            now = time.time()
            stale = [
                k
                for k, w in self._windows.items()
                if w.start < int(now // self.items[k[0]].get_expiry()) and not w.pending
            ]
            for k in stale:
                del self._windows[k]
            try:
                await self._sync(dict(self._windows))
            except Exception:
                logger.warning("rate limit sync with Redis failed", exc_info=True)

    async def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
            self._flusher = None

    async def reset(self) -> None:
        """Forget every count, here and in Redis (tests, and an operator lifting a block)."""
        self._windows.clear()
        if self.redis is not None:
            keys = [key async for key in self.redis.scan_iter(match="sg:rl:*", count=500)]
            if keys:
                await self.redis.delete(*keys)


class RateLimitMiddleware:
    """The per-IP limit on every HTTP request, answered with a 429 problem and `Retry-After`."""

    def __init__(self, app: ASGIApp, *, limiter: BatchedWindowLimiter, enabled: bool = True) -> None:
        self.app = app
        self.limiter = limiter
        self.enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.enabled:
            client = scope.get("client")
            wait = await self.limiter.retry_after("ip:" + (client[0] if client else "unknown"))
            if wait is not None:
                await send_problem(
                    send,
                    scope,
                    429,
                    f"Too many requests from this address; try again in {wait} seconds.",
                    headers=[(b"retry-after", str(wait).encode())],
                    slug="rate-limited",
                    title="Too many requests",
                )
                return
        await self.app(scope, receive, send)
