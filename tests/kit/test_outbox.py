"""The outbox: delivered after commit, retried on failure, applied once, never lost."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.kit.events import DomainEvent
from starguide.kit.mail import OutgoingEmail, queue_email
from starguide.kit.outbox import EventDelivery, OutboxEvent, record_event
from starguide.kit.time import FrozenClock


class ThingHappened(DomainEvent):
    event_type = "test.thing_happened"
    label: str


async def count_emails(harness: Any, subject: str) -> int:
    async with harness.runtime.db.session(write=False) as session:
        stmt = select(func.count()).select_from(OutgoingEmail).where(OutgoingEmail.subject == subject)
        return int(await session.scalar(stmt) or 0)


def subscribe_mailer(harness: Any, name: str = "test.mailer", fail_times: int = 0) -> list[str]:
    """A subscriber whose effect is a row in the same transaction; fails `fail_times` times first."""
    calls: list[str] = []

    async def handler(session: AsyncSession, event: ThingHappened) -> None:
        calls.append(event.label)
        if len(calls) <= fail_times:
            raise RuntimeError("subscriber broke")
        queue_email(session, "x@example.org", f"effect:{event.label}", "t")

    harness.runtime.dispatcher.subscribe(ThingHappened, name, handler)
    return calls


async def publish(harness: Any, label: str) -> uuid.UUID:
    event = ThingHappened(label=label)
    async with harness.runtime.db.session() as session:
        record_event(session, event)
    return event.event_id


async def test_event_is_delivered_after_commit(harness: Any) -> None:
    calls = subscribe_mailer(harness)
    await publish(harness, "a")
    assert await harness.drain() == 1
    assert calls == ["a"]
    assert await count_emails(harness, "effect:a") == 1
    assert await harness.drain() == 0  # nothing left


async def test_rolled_back_change_publishes_nothing(harness: Any) -> None:
    calls = subscribe_mailer(harness)
    try:
        async with harness.runtime.db.session() as session:
            record_event(session, ThingHappened(label="never"))
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    assert await harness.drain() == 0
    assert calls == []


async def test_failing_subscriber_is_retried_and_applied_once(harness: Any) -> None:
    calls = subscribe_mailer(harness, fail_times=2)
    event_id = await publish(harness, "flaky")
    clock = FrozenClock()
    harness.runtime.dispatcher.clock = clock

    assert await harness.drain() == 0  # first failure: backed off
    async with harness.runtime.db.session(write=False) as session:
        row = await session.get(OutboxEvent, event_id)
        assert row is not None
        assert row.attempts == 1
        assert "subscriber broke" in (row.last_error or "")
    assert await harness.drain() == 0  # not due yet: no new call
    assert calls == ["flaky"]

    clock.advance(seconds=3)
    assert await harness.drain() == 0  # second failure
    clock.advance(seconds=10)
    assert await harness.drain() == 1  # third call succeeds
    assert calls == ["flaky", "flaky", "flaky"]
    assert await count_emails(harness, "effect:flaky") == 1


async def test_only_failed_subscriber_is_retried(harness: Any) -> None:
    good = subscribe_mailer(harness, name="test.good")
    bad = subscribe_mailer(harness, name="test.bad", fail_times=1)
    await publish(harness, "two")
    clock = FrozenClock()
    harness.runtime.dispatcher.clock = clock
    await harness.drain()
    clock.advance(seconds=5)
    await harness.drain()
    assert good == ["two"]
    assert bad == ["two", "two"]
    assert await count_emails(harness, "effect:two") == 2  # one per subscriber, never more


async def test_event_given_up_after_max_attempts(harness_factory: Any) -> None:
    harness = await harness_factory(outbox_max_attempts=2)
    subscribe_mailer(harness, fail_times=99)
    event_id = await publish(harness, "hopeless")
    clock = FrozenClock()
    harness.runtime.dispatcher.clock = clock
    for _ in range(4):
        await harness.drain()
        clock.advance(hours=2)
    async with harness.runtime.db.session(write=False) as session:
        row = await session.get(OutboxEvent, event_id)
        assert row is not None
        assert row.failed_at is not None
        assert row.attempts == 2


async def test_crash_between_commit_and_delivery_loses_nothing(harness_factory: Any) -> None:
    """A first process commits and dies before delivering; the next one to start delivers."""
    first = await harness_factory()
    await publish(first, "survives")  # no subscriber runs: this process "dies" here
    second = await harness_factory()
    calls = subscribe_mailer(second)
    assert await second.drain() == 1
    assert calls == ["survives"]


async def test_concurrent_drains_apply_once(harness_factory: Any) -> None:
    """Two workers (two runtimes, two engines) draining the same events race safely."""
    one = await harness_factory()
    two = await harness_factory()
    subscribe_mailer(one)
    subscribe_mailer(two)
    for i in range(10):
        await publish(one, f"race-{i}")
    await asyncio.gather(one.drain(), two.drain())
    for i in range(10):
        assert await count_emails(one, f"effect:race-{i}") == 1
    async with one.runtime.db.session(write=False) as session:
        assert await session.scalar(select(func.count()).select_from(EventDelivery)) == 10


async def test_background_loop_delivers_right_after_commit(harness: Any) -> None:
    calls = subscribe_mailer(harness)
    await harness.runtime.start(background=True)
    await publish(harness, "live")
    for _ in range(100):
        if calls:
            break
        await asyncio.sleep(0.02)
    assert calls == ["live"]


class RecordingQueue:
    """A job queue as `starguide serve` sees Redis's: it keeps what a worker would be asked to run."""

    def __init__(self, fail: bool = False) -> None:
        self.queued: list[tuple[str, str | None]] = []
        self.fail = fail

    async def enqueue(self, name: str, *, job_id: str | None = None, delay: float = 0, **kwargs: Any) -> None:
        self.queued.append((name, job_id))
        if self.fail:
            raise ConnectionError("Redis is down")

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


async def _woken(harness: Any, queue: RecordingQueue, commits: int) -> list[tuple[str, str | None]]:
    from starguide.runtime import MAIL_JOB

    runtime = harness.runtime
    runtime.queue, runtime._background = queue, True
    before = len(queue.queued)
    for _ in range(commits):
        runtime._after_commit({"mail_written": True})
        await asyncio.sleep(0)
    for _ in range(100):
        if not runtime._waking:
            break
        await asyncio.sleep(0.02)
    assert not runtime._waking
    assert {name for name, _ in queue.queued} == {MAIL_JOB}
    return queue.queued[before:]


async def test_commits_in_quick_succession_share_a_wake_up_of_the_worker(harness: Any) -> None:
    queue = RecordingQueue()
    burst = await _woken(harness, queue, 50)
    # The first commit wakes the worker at once; the 49 after it share one more wake-up.
    assert len(burst) == 2
    later = await _woken(harness, queue, 1)
    assert len(later) == 1
    ids = [job_id for _, job_id in queue.queued]
    assert len(set(ids)) == len(ids)  # a delivery already running never swallows a new wake-up


async def test_a_wake_up_that_cannot_be_queued_is_left_to_the_periodic_run(harness: Any) -> None:
    queue = RecordingQueue(fail=True)
    assert len(await _woken(harness, queue, 3)) == 2
    assert len(await _woken(harness, queue, 1)) == 1
