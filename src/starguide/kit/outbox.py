"""The transactional outbox: events written with the change that caused them, delivered after commit.

Each subscriber's work and the row that says "delivered to this subscriber" commit in one
transaction, and that row's primary key is (event, subscriber): a retry, a second worker or a
restart can never apply an event twice, and an event committed before a crash is delivered on
the next drain.

Delivery is batched: a drain takes up to `batch` due events and delivers all of them, to all their
subscribers, in event order, in one transaction (claims, work and completion together). When that
batch was full, a backlog has built up and the next batches take up to `max_batch` events: a batch's
fixed cost (loading the rows of its learners) is then shared by more events. Subscribers
may register a batch scope that loads what the whole batch needs in a few queries before the
handlers run and writes set-wise after them. If anything in the batch fails, the transaction rolls
back and the batch is delivered again one event and subscriber at a time, so a failing event is
retried on its own without holding up the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from starguide.kit.events import DomainEvent, parse_event
from starguide.kit.models import Base
from starguide.kit.sql import among
from starguide.kit.time import Clock, utcnow

logger = logging.getLogger("starguide.outbox")


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_pending", "completed_at", "available_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column(String(100))
    organisation_id: Mapped[uuid.UUID | None]
    payload: Mapped[dict[str, Any]]
    occurred_at: Mapped[datetime]
    available_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]


class EventDelivery(Base):
    __tablename__ = "event_deliveries"

    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("outbox_events.id", ondelete="CASCADE"), primary_key=True
    )
    subscriber: Mapped[str] = mapped_column(String(100), primary_key=True)
    delivered_at: Mapped[datetime]


def record_event(session: AsyncSession, event: DomainEvent) -> None:
    """Add `event` to the outbox in the caller's transaction; it is delivered once that commits."""
    session.add(
        OutboxEvent(
            id=event.event_id,
            event_type=event.event_type,
            organisation_id=event.organisation_id,
            payload=event.model_dump(mode="json"),
            occurred_at=event.occurred_at,
            available_at=event.occurred_at,
        )
    )
    session.info["outbox_written"] = True


@dataclass(frozen=True, slots=True)
class DueEvent:
    """What delivery needs of an outbox row (read with a Core select: no ORM instance per event)."""

    id: uuid.UUID
    event_type: str
    payload: dict[str, Any]
    attempts: int


Handler = Callable[[AsyncSession, Any], Awaitable[None]]
# Called with the batch's session and events (in delivery order) around the handlers of a batch.
BatchScope = Callable[[AsyncSession, Sequence[DomainEvent]], AbstractAsyncContextManager[None]]


_claims: dict[str, Any] = {}


def _claim_statement(dialect_name: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING of deliveries: the ones this transaction claimed."""
    stmt = _claims.get(dialect_name)
    if stmt is None:
        table: Any = EventDelivery.__table__
        dialect = sqlite_insert if dialect_name == "sqlite" else pg_insert
        stmt = dialect(table).on_conflict_do_nothing().returning(table.c.event_id, table.c.subscriber)
        _claims[dialect_name] = stmt
    return stmt


@dataclass(frozen=True)
class Subscriber:
    name: str
    handler: Handler


class Dispatcher:
    """Delivers outbox events to subscribers; `drain()` is safe to call from many places at once."""

    def __init__(
        self,
        db: Any,
        *,
        clock: Clock = utcnow,
        max_attempts: int = 12,
        batch: int = 200,
        max_batch: int = 1000,
        coalesce_seconds: float = 0.05,
    ) -> None:
        self.db = db
        self.coalesce_seconds = coalesce_seconds
        self.clock = clock
        self.max_attempts = max_attempts
        self.batch = batch
        self.max_batch = max_batch
        self._subscribers: dict[str, list[Subscriber]] = defaultdict(list)
        self._scopes: list[BatchScope] = []
        self._wakeup = asyncio.Event()
        self._lock = asyncio.Lock()

    def subscribe(self, event_class: type[DomainEvent], name: str, handler: Handler) -> None:
        """Register `handler(session, event)` under a stable `name` (renaming it redelivers history)."""
        subs = self._subscribers[event_class.event_type]
        if any(s.name == name for s in subs):
            raise ValueError(f"subscriber {name!r} already registered for {event_class.event_type}")
        subs.append(Subscriber(name, handler))

    def add_batch_scope(self, scope: BatchScope) -> None:
        """Run `scope(session, events)` around the handlers of every batch delivered together."""
        self._scopes.append(scope)

    def notify(self) -> None:
        self._wakeup.set()

    async def wait_for_work(self, seconds: float) -> None:
        """Sleep until `notify()` is called or `seconds` pass.

        After a wake-up it lets `coalesce_seconds` pass, so the events of commits arriving together
        are delivered as one batch instead of one drain each (commits do not wait for delivery).
        """
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), seconds)
        if self._wakeup.is_set() and self.coalesce_seconds:
            await asyncio.sleep(self.coalesce_seconds)
        self._wakeup.clear()

    async def drain(self) -> int:
        """Deliver every event that is due; returns how many events were completed."""
        async with self._lock:
            completed = 0
            size = self.batch
            while True:
                async with self.db.session(write=False) as session:
                    t: Any = OutboxEvent.__table__
                    result = await session.execute(
                        select(t.c.id, t.c.event_type, t.c.payload, t.c.attempts)
                        .where(
                            t.c.completed_at.is_(None),
                            t.c.failed_at.is_(None),
                            t.c.available_at <= self.clock(),
                        )
                        .order_by(t.c.occurred_at, t.c.id)
                        .limit(size)
                    )
                    rows = [DueEvent(*record) for record in result.all()]
                if not rows:
                    return completed
                completed_now = await self._deliver_batch(rows)
                completed += completed_now
                if not completed_now or len(rows) < size:
                    return completed
                size = max(size, self.max_batch)  # a backlog

    async def _deliver_batch(self, rows: Sequence[DueEvent]) -> int:
        """One query for what was already delivered, one transaction per pending delivery (the last
        one also completes its event), and one UPDATE completing every event with nothing left to do."""
        async with self.db.session(write=False) as session:
            delivered = (
                await session.execute(
                    select(EventDelivery.event_id, EventDelivery.subscriber).where(
                        among(EventDelivery.event_id, [row.id for row in rows])
                    )
                )
            ).all()
        done: dict[uuid.UUID, set[str]] = defaultdict(set)
        for event_id, subscriber in delivered:
            done[event_id].add(subscriber)
        if len(rows) > 1:
            try:
                return await self._deliver_together(rows, done)
            except Exception:
                # Delivered again below, one event and subscriber at a time: a failing one gets its
                # own retry and back-off, and the others go through.
                logger.info("batch delivery failed; delivering one by one", exc_info=True)
        nothing_left: list[uuid.UUID] = []
        completed = 0
        for row in rows:
            pending = [s for s in self._subscribers.get(row.event_type, []) if s.name not in done[row.id]]
            if not pending:
                nothing_left.append(row.id)
            elif await self._deliver(row, pending):
                completed += 1
        if nothing_left:
            async with self.db.session() as session:
                await session.execute(
                    update(OutboxEvent)
                    .where(among(OutboxEvent.id, nothing_left))
                    .values(completed_at=self.clock())
                )
            completed += len(nothing_left)
        return completed

    async def _deliver_together(self, rows: Sequence[DueEvent], done: dict[uuid.UUID, set[str]]) -> int:
        """Every pending delivery of `rows` in one transaction, in event order; returns events completed."""
        async with self.db.session() as session:
            ids = [row.id for row in rows]
            if session.get_bind().dialect.name == "postgresql":
                # Events another worker is delivering right now are left to it.
                locked = set(
                    await session.scalars(
                        select(OutboxEvent.id)
                        .where(among(OutboxEvent.id, ids), OutboxEvent.completed_at.is_(None))
                        .with_for_update(skip_locked=True)
                    )
                )
                rows = [row for row in rows if row.id in locked]
            now = self.clock()
            wanted = [
                {"event_id": row.id, "subscriber": sub.name, "delivered_at": now}
                for row in rows
                for sub in self._subscribers.get(row.event_type, [])
                if sub.name not in done[row.id]
            ]
            claimed: set[tuple[uuid.UUID, str]] = set()
            if wanted:
                # An executemany of one cached statement: a VALUES list of hundreds of rows would be
                # built and compiled anew for every batch.
                result = await session.execute(_claim_statement(session.get_bind().dialect.name), wanted)
                claimed = {(event_id, name) for event_id, name in result.all()}
            work = [
                (parse_event(row.event_type, row.payload), subs)
                for row in rows
                if (
                    subs := [
                        s for s in self._subscribers.get(row.event_type, []) if (row.id, s.name) in claimed
                    ]
                )
            ]
            async with contextlib.AsyncExitStack() as stack:
                events = [event for event, _subs in work]
                for scope in self._scopes:
                    await stack.enter_async_context(scope(session, events))
                for event, subs in work:
                    for sub in subs:
                        await sub.handler(session, event)
            if rows:
                # What was not claimed here was delivered by someone else: every event is done.
                await session.execute(
                    update(OutboxEvent)
                    .where(among(OutboxEvent.id, [row.id for row in rows]))
                    .values(completed_at=self.clock())
                )
            return len(rows)

    async def _deliver(self, row: DueEvent, pending: list[Subscriber]) -> bool:
        """Deliver to each pending subscriber; True when the event was completed here."""
        event = parse_event(row.event_type, row.payload)
        for index, sub in enumerate(pending):
            try:
                async with self.db.session() as session:
                    session.add(
                        EventDelivery(event_id=row.id, subscriber=sub.name, delivered_at=self.clock())
                    )
                    await session.flush()  # claims the delivery before doing the work
                    await sub.handler(session, event)
                    if index == len(pending) - 1:
                        await session.execute(
                            update(OutboxEvent)
                            .where(OutboxEvent.id == row.id)
                            .values(completed_at=self.clock())
                        )
                        return True
            except IntegrityError:
                continue  # another worker delivered it first; the next drain completes the event
            except Exception as exc:
                logger.exception("subscriber failed", extra={"subscriber": sub.name, "event_id": str(row.id)})
                await self._record_failure(row, sub.name, exc)
                return False
        return False

    async def _record_failure(self, row: DueEvent, subscriber: str, exc: Exception) -> None:
        attempts = row.attempts + 1
        delay = min(3600.0, 2.0**attempts)
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_error": f"{subscriber}: {type(exc).__name__}: {exc}"[:2000],
            "available_at": self.clock() + timedelta(seconds=delay),
        }
        if attempts >= self.max_attempts:
            values["failed_at"] = self.clock()
            logger.error("event given up", extra={"event_id": str(row.id), "attempts": attempts})
        async with self.db.session() as session:
            await session.execute(update(OutboxEvent).where(OutboxEvent.id == row.id).values(**values))
