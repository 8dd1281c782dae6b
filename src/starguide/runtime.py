"""The long-lived parts of a running StarGuide (database, limiter, outbox, jobs, mail, real-time).

Built once per process from `Settings`, by the web app's lifespan, by `starguide worker` and by
the CLI, so all three run the same wiring.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from starguide.ai import cache as ai_cache
from starguide.ai.ledger import Ledger
from starguide.ai.router import Router, build_router
from starguide.auth import cache as access
from starguide.config import Settings
from starguide.db import Database
from starguide.kit.ids import uuid7
from starguide.kit.jobs import ArqJobQueue, InProcessJobQueue, JobQueue, jobs
from starguide.kit.mail import Mailer
from starguide.kit.memory import AnnouncedMemory
from starguide.kit.outbox import Dispatcher
from starguide.kit.ratelimit import BatchedWindowLimiter, RateLimiter
from starguide.realtime.server import Realtime

logger = logging.getLogger("starguide.runtime")

OUTBOX_JOB = "outbox.deliver"
MAIL_JOB = "mail.send"
# A process wakes the worker for a job at most this often; commits in between share one wake-up.
WAKE_INTERVAL_SECONDS = 0.05


@jobs.task(OUTBOX_JOB, every_seconds=10)
async def deliver_outbox(ctx: Runtime) -> int:
    return await ctx.dispatcher.drain()


@jobs.task(MAIL_JOB, every_seconds=30)
async def send_mail(ctx: Runtime) -> int:
    return await ctx.mailer.send_pending(ctx.db, ctx.clock)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    limiter: RateLimiter
    ip_limiter: BatchedWindowLimiter
    user_limiter: BatchedWindowLimiter
    dispatcher: Dispatcher
    mailer: Mailer
    realtime: Realtime
    access_cache: access.AccessCache
    ai_orgs: ai_cache.OrgAICache
    queue: JobQueue = field(init=False)
    ai: Router = field(init=False)
    ai_ledger: Ledger = field(init=False)
    redis: Any = None
    clock: Any = None
    _loops: list[asyncio.Task[None]] = field(default_factory=list)
    _spawned: set[asyncio.Future[None]] = field(default_factory=set)
    _waking: set[str] = field(default_factory=set)
    _wake_again: set[str] = field(default_factory=set)
    _background: bool = False

    @classmethod
    def build(cls, settings: Settings, *, in_process_jobs: bool | None = None) -> Runtime:
        from starguide.kit.time import utcnow

        db = Database(settings)
        redis = None
        if settings.redis_url:
            from redis.asyncio import Redis

            # No CLIENT SETINFO on connecting: servers before Redis 7.2 answer it with an error each time.
            redis = Redis.from_url(settings.redis_url, lib_name=None, lib_version=None)
        runtime = cls(
            settings=settings,
            db=db,
            redis=redis,
            limiter=RateLimiter(redis, enabled=settings.rate_limits_enabled),
            ip_limiter=BatchedWindowLimiter(settings.rate_limit_ip, redis),
            user_limiter=BatchedWindowLimiter(settings.rate_limit_user, redis),
            dispatcher=Dispatcher(db, max_attempts=settings.outbox_max_attempts),
            mailer=Mailer(settings.smtp_url, settings.mail_from, settings.data_dir),
            # A worker process only emits; the serving processes hold the connections.
            realtime=Realtime(
                redis_url=settings.redis_url,
                cors_origins=settings.cors_origins,
                write_only=in_process_jobs is False,
                ping_interval=settings.realtime_ping_interval,
            ),
            access_cache=access.AccessCache(settings.auth_cache_seconds, shared=redis is not None),
            ai_orgs=ai_cache.OrgAICache(settings.ai_settings_cache_seconds, shared=redis is not None),
            clock=utcnow,
        )
        local = settings.jobs_in_process if in_process_jobs is None else in_process_jobs
        # In-process, the outbox loop below replaces the periodic delivery job.
        runtime.queue = (
            InProcessJobQueue(jobs, runtime, skip_periodic=frozenset({OUTBOX_JOB}))
            if local
            else ArqJobQueue(settings.redis_url or "")
        )
        runtime.ai = build_router(settings)
        runtime.ai_ledger = Ledger(db)
        db.after_commit_hooks.append(runtime._after_commit)
        from starguide import subscribers

        subscribers.register(runtime)
        return runtime

    def _after_commit(self, info: dict[str, Any]) -> None:
        """Wake delivery as soon as a transaction that wrote events or mail commits, and forget
        (here and in every process) the sign-in rights and the AI settings it changed."""
        for memory, key in self._memories():
            changes = info.pop(key, None)
            if changes:
                memory.forget(changes)
                if self.redis is not None:
                    self._spawn(memory.announce(self.redis, changes))
        if info.pop("outbox_written", False):
            self._kick(OUTBOX_JOB)
        if info.pop("mail_written", False):
            self._kick(MAIL_JOB)

    def _memories(self) -> tuple[tuple[AnnouncedMemory, str], ...]:
        """The process's memories of rarely changing rows, each with the `session.info` key under
        which a transaction lists what it changed of them."""
        return ((self.access_cache, access.CHANGES_KEY), (self.ai_orgs, ai_cache.CHANGES_KEY))

    def _kick(self, job: str) -> None:
        if not self._background:
            return  # tests deliver by hand, so nothing races them
        if isinstance(self.queue, InProcessJobQueue) and job == OUTBOX_JOB:
            self.dispatcher.notify()
            return
        if job in self._waking:
            self._wake_again.add(job)  # the wake-up under way, or the next one, covers this commit
            return
        self._waking.add(job)
        self._spawn(self._wake(job))

    async def _wake(self, job: str) -> None:
        """Queue `job` for a worker, then again once per interval while commits keep asking for it.

        Each wake-up has an id of its own: a delivery already running has read the outbox and must not
        swallow the wake-up of an event committed after that read. A failed one is only logged: the
        job's periodic run delivers anyway."""
        try:
            while True:
                self._wake_again.discard(job)
                try:
                    await self.queue.enqueue(job, job_id=f"{job}:wake:{uuid7()}")
                except Exception:
                    logger.warning("could not queue %s; its periodic run will do it", job, exc_info=True)
                await asyncio.sleep(WAKE_INTERVAL_SECONDS)
                if job not in self._wake_again:
                    return
        finally:
            self._waking.discard(job)

    def _spawn(self, work: Any) -> None:
        """Run `work` without waiting for it, holding a reference until it is done."""
        task = asyncio.ensure_future(work)
        self._spawned.add(task)
        task.add_done_callback(self._spawned.discard)

    async def start(self, *, background: bool = True) -> None:
        self._background = background
        for memory, _key in self._memories():
            if self.redis is not None and memory.ttl > 0:
                self._loops.append(asyncio.create_task(memory.listen(self.redis)))
        if background:
            await self.queue.start()
            if isinstance(self.queue, InProcessJobQueue):
                self._loops.append(asyncio.create_task(self._outbox_loop()))

    async def _outbox_loop(self) -> None:
        """Embedded mode: deliver right after each commit, and sweep every few seconds."""
        while True:
            try:
                await self.dispatcher.drain()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("outbox delivery failed")
            await self.dispatcher.wait_for_work(self.settings.outbox_poll_seconds)

    async def stop(self) -> None:
        for task in self._loops:
            task.cancel()
        for task in self._loops:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._loops.clear()
        await self.queue.stop()
        await self.realtime.close()
        await self.ai.aclose()
        await self.ip_limiter.close()
        await self.user_limiter.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.limiter.close()
        await self.db.dispose()
