"""Background jobs: delayed and periodic work, in-process when embedded, arq + Redis in production.

A job is an async function registered by name with `jobs.task(...)`, called as `fn(ctx, **kwargs)`.
Every job must be safe to run twice (a job id only deduplicates what is still queued).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

logger = logging.getLogger("starguide.jobs")

JobFunction = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Periodic:
    name: str
    every_seconds: int


@dataclass
class JobRegistry:
    """Jobs by name, and which of them run periodically."""

    functions: dict[str, JobFunction] = field(default_factory=dict)
    periodic: list[Periodic] = field(default_factory=list)

    def task(self, name: str, *, every_seconds: int | None = None) -> Callable[[JobFunction], JobFunction]:
        def register(fn: JobFunction) -> JobFunction:
            if name in self.functions:
                raise ValueError(f"job {name!r} registered twice")
            self.functions[name] = fn
            if every_seconds:
                self.periodic.append(Periodic(name, every_seconds))
            return fn

        return register


jobs = JobRegistry()


class JobQueue(Protocol):
    async def enqueue(
        self, name: str, *, job_id: str | None = None, delay: float = 0, **kwargs: Any
    ) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class InProcessJobQueue:
    """Runs jobs as asyncio tasks of the serving process (embedded mode, tests)."""

    def __init__(
        self,
        registry: JobRegistry,
        context: Any,
        *,
        periodic: bool = True,
        skip_periodic: frozenset[str] = frozenset(),
        retries: int = 3,
    ) -> None:
        self.registry = registry
        self.context = context
        self.run_periodic = periodic
        self.skip_periodic = skip_periodic
        self.retries = retries
        self._tasks: set[asyncio.Task[None]] = set()
        self._queued: set[str] = set()

    async def enqueue(self, name: str, *, job_id: str | None = None, delay: float = 0, **kwargs: Any) -> None:
        if name not in self.registry.functions:
            raise KeyError(f"unknown job {name!r}")
        if job_id is not None:
            if job_id in self._queued:
                return
            self._queued.add(job_id)
        self._spawn(self._run_later(name, job_id, delay, kwargs))

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_later(self, name: str, job_id: str | None, delay: float, kwargs: dict[str, Any]) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        if job_id is not None:
            self._queued.discard(job_id)
        await self.run(name, **kwargs)

    async def run(self, name: str, **kwargs: Any) -> Any:
        """Run a job now, retrying with backoff; errors are logged, not raised."""
        fn = self.registry.functions[name]
        for attempt in range(1, self.retries + 1):
            try:
                return await fn(self.context, **kwargs)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("job failed", extra={"job": name, "attempt": attempt})
                if attempt < self.retries:
                    await asyncio.sleep(min(30.0, 0.5 * 2**attempt))
        return None

    async def _periodic(self, job: Periodic) -> None:
        while True:
            await self.run(job.name)
            await asyncio.sleep(job.every_seconds)

    async def start(self) -> None:
        if self.run_periodic:
            for job in self.registry.periodic:
                if job.name not in self.skip_periodic:
                    self._spawn(self._periodic(job))

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()


class ArqJobQueue:
    """Puts jobs on a Redis queue for `starguide worker` (arq) to run."""

    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url
        self._pool: Any = None

    async def start(self) -> None:
        from arq import create_pool
        from arq.connections import RedisSettings

        self._pool = await create_pool(RedisSettings.from_dsn(self.redis_url))

    async def enqueue(self, name: str, *, job_id: str | None = None, delay: float = 0, **kwargs: Any) -> None:
        await self._pool.enqueue_job(
            name, _job_id=job_id, _defer_by=timedelta(seconds=delay) if delay else None, **kwargs
        )

    async def stop(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()


def arq_worker_settings(
    redis_url: str,
    context_factory: Callable[[], Awaitable[dict[str, Any]]],
    close: Callable[[dict[str, Any]], Awaitable[None]],
    registry: JobRegistry = jobs,
) -> dict[str, Any]:
    """Keyword arguments for `arq.Worker`: every registered job, and the periodic ones as cron jobs."""
    from arq import cron
    from arq.connections import RedisSettings
    from arq.worker import func

    def wrap(name: str, fn: JobFunction) -> Any:
        async def run(ctx: dict[str, Any], **kwargs: Any) -> Any:
            return await fn(ctx["starguide"], **kwargs)

        run.__qualname__ = run.__name__ = name
        # No result is kept: nothing reads them, and a kept result would refuse a job of the same id.
        return func(run, name=name, max_tries=5, keep_result=0)

    async def on_startup(ctx: dict[str, Any]) -> None:
        ctx["starguide"] = await context_factory()

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        if "starguide" in ctx:
            await close(ctx["starguide"])

    crons = []
    for job in registry.periodic:
        seconds = set(range(0, 60, max(1, min(job.every_seconds, 60))))
        minutes = set(range(0, 60, max(1, job.every_seconds // 60))) if job.every_seconds >= 60 else None
        crons.append(
            cron(
                wrap(job.name, registry.functions[job.name]).coroutine,
                name=f"cron:{job.name}",
                second=seconds if job.every_seconds < 60 else {0},
                minute=minutes,
                unique=True,
                run_at_startup=True,
            )
        )
    return {
        "functions": [wrap(n, f) for n, f in registry.functions.items()],
        "cron_jobs": crons,
        "redis_settings": RedisSettings.from_dsn(redis_url),
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "handle_signals": False,
    }
