"""The reservations and settlements of concurrent AI calls, written together in few short transactions.

Every call writes twice: a reservation before it starts, a settlement when it ends. On SQLite write
transactions run one at a time, and each costs a lock, a BEGIN, a COMMIT and a round trip to the
driver's thread per statement; fifty streams starting together queued for hundreds of milliseconds.
The ledger takes whatever operations are waiting when it gets its turn and writes them all in one
transaction: the reservations of a batch as one conditional UPDATE per counter row (when the total
fits every cap, each call's share does) and one INSERT of their usage rows, the settlements as one
claim of their usage rows and one UPDATE per counter row. A caller's operation is done when the
transaction holding it has committed, as before.

Budgets stay exact: when a batch's total does not fit, it is undone and each reservation is tried
on its own, in order, inside the same transaction (`budgets.reserve`). A batch that fails is written
again one operation per transaction, so one bad operation fails alone.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.ai import budgets
from starguide.ai.models import AIUsage
from starguide.ai.router import CallResult
from starguide.ai.types import FinishReason, Usage
from starguide.kit.ids import uuid7

logger = logging.getLogger("starguide.ai")

_USAGE = cast(Table, AIUsage.__table__)
_SETTLED = (
    "outcome",
    "error_kind",
    "deployment",
    "provider",
    "model",
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "estimated",
    "latency_ms",
    "ttft_ms",
    "finish_reason",
)
# Built once, like budgets' statements: none is built per call.
_INSERT_USAGE = insert(_USAGE)
_PENDING = (
    select(_USAGE.c.id, _USAGE.c.organisation_id)
    .where(_USAGE.c.id.in_(bindparam("b_ids", expanding=True)), _USAGE.c.outcome == "pending")
    .with_for_update()
)
_CLAIM = (
    _USAGE.update()
    .where(_USAGE.c.id == bindparam("b_id"), _USAGE.c.outcome == "pending")
    .values(
        cost_micros=bindparam("b_cost_micros"),
        reserved_micros=0,
        finished_at=bindparam("b_finished_at"),
        **{name: bindparam(f"b_{name}") for name in _SETTLED},
    )
)


@dataclass
class Reservation:
    organisation_id: uuid.UUID
    caps: list[budgets.Cap]
    amount: int
    now: datetime
    usage: dict[str, Any]  # the usage row's columns, its id included
    done: asyncio.Future[list[uuid.UUID]] = field(repr=False)


@dataclass
class Settlement:
    organisation_id: uuid.UUID
    usage_id: uuid.UUID
    result: CallResult
    held: budgets.Held
    now: datetime
    done: asyncio.Future[bool] = field(repr=False)


def released(alias: str) -> CallResult:
    """A reserved call that never reached a model: cancelled, and free."""
    return CallResult(
        alias=alias,
        deployment=None,
        usage=Usage(),
        cost_micros=0,
        finish_reason=FinishReason.CANCELLED,
        outcome="cancelled",
        latency_ms=0.0,
        ttft_ms=None,
        text="",
    )


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark a future's exception as seen: a caller that left no longer awaits it."""
    if not future.cancelled():
        future.exception()


class Ledger:
    """Queues reservations and settlements and writes each waiting batch in one transaction."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self._reservations: list[Reservation] = []
        self._settlements: list[Settlement] = []
        self._writer: asyncio.Task[None] | None = None

    async def reserve(
        self,
        organisation_id: uuid.UUID,
        caps: list[budgets.Cap],
        amount: int,
        now: datetime,
        usage: dict[str, Any],
    ) -> tuple[uuid.UUID, list[uuid.UUID]]:
        """Hold `amount` on every cap and record the pending call: (usage id, counter row ids).

        Raises `BudgetExceeded` having held nothing. A caller cancelled while it waits does not leave
        a reservation behind: one that was made anyway is released at once.
        """
        usage_id = uuid7()
        done: asyncio.Future[list[uuid.UUID]] = asyncio.get_running_loop().create_future()
        done.add_done_callback(_retrieve)
        op = Reservation(organisation_id, caps, amount, now, {**usage, "id": usage_id}, done)
        self._reservations.append(op)
        self._wake()
        try:
            return usage_id, await asyncio.shield(done)
        except asyncio.CancelledError:
            done.add_done_callback(lambda _: self._release_abandoned(op))
            raise

    async def settle(
        self,
        organisation_id: uuid.UUID,
        usage_id: uuid.UUID,
        result: CallResult,
        held: budgets.Held,
        now: datetime,
    ) -> bool:
        """Record how the call ended and move its cost from reserved to spent (see `budgets.settle`)."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        done.add_done_callback(_retrieve)
        self._settlements.append(Settlement(organisation_id, usage_id, result, held, now, done))
        self._wake()
        return await asyncio.shield(done)

    def _release_abandoned(self, op: Reservation) -> None:
        if op.done.cancelled() or op.done.exception() is not None:
            return
        release = released(op.usage["alias"])
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        done.add_done_callback(_retrieve)
        held = budgets.Held(op.amount, tuple(op.done.result()))
        self._settlements.append(Settlement(op.organisation_id, op.usage["id"], release, held, op.now, done))
        self._wake()

    def _wake(self) -> None:
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_all())

    async def _write_all(self) -> None:
        while self._reservations or self._settlements:
            reservations, self._reservations = self._reservations, []
            settlements, self._settlements = self._settlements, []
            reserved: list[Any]
            settled: list[Any]
            try:
                async with self.db.session() as session:
                    reserved = await _reserve_batch(session, reservations)
                    settled = await _settle_batch(session, settlements)
            except Exception as exc:
                if len(reservations) + len(settlements) > 1:
                    logger.warning("an AI ledger batch failed; writing its operations one by one")
                    await self._write_one_by_one(reservations, settlements)
                    continue
                logger.exception("an AI ledger write failed")
                reserved, settled = [exc] * len(reservations), [exc] * len(settlements)
            for op, outcome in zip(reservations, reserved, strict=True):
                _resolve(op.done, outcome)
            for s_op, s_outcome in zip(settlements, settled, strict=True):
                _resolve(s_op.done, s_outcome)

    async def _write_one_by_one(self, reservations: list[Reservation], settlements: list[Settlement]) -> None:
        outcome: Any
        work: list[tuple[Any, Any]] = [(op, _reserve_batch) for op in reservations]
        work += [(op, _settle_batch) for op in settlements]
        for op, write in work:
            try:
                async with self.db.session() as session:
                    (outcome,) = await write(session, [op])
            except Exception as exc:
                outcome = exc
            _resolve(op.done, outcome)


def _resolve(future: asyncio.Future[Any], outcome: Any) -> None:
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


async def _reserve_batch(
    session: AsyncSession, ops: list[Reservation]
) -> list[list[uuid.UUID] | budgets.BudgetExceeded]:
    """Each reservation's counter rows, or the `BudgetExceeded` it met; the granted ones' usage rows."""
    if not ops:
        return []
    outcomes: list[list[uuid.UUID] | budgets.BudgetExceeded] = []
    rows = [[budgets.known_row(op.organisation_id, cap, op.now) for cap in op.caps] for op in ops]
    if all(row is not None for op_rows in rows for row in op_rows):
        # The batch as a whole: per counter row, the sum of its calls against the tightest cap.
        totals: dict[uuid.UUID, int] = defaultdict(int)
        limits: dict[uuid.UUID, int | None] = {}
        for op, op_rows in zip(ops, rows, strict=True):
            for cap, row in zip(op.caps, op_rows, strict=True):
                assert row is not None
                totals[row] += op.amount
                current = limits.get(row, cap.limit_micros)
                limits[row] = (
                    cap.limit_micros
                    if current is None
                    else current
                    if cap.limit_micros is None
                    else min(current, cap.limit_micros)
                )
        held: list[uuid.UUID] = []
        for row, total in totals.items():
            if not await budgets.add_reserved(session, row, total, limits[row]):
                break
            held.append(row)
        else:
            outcomes = [[row for row in op_rows if row is not None] for op_rows in rows]
        if not outcomes:
            for row in held:
                await budgets.add_reserved(session, row, -totals[row])
    if not outcomes:
        # Near a cap, a new period, or a row this process has not seen: one call at a time, in order.
        for op in ops:
            try:
                outcomes.append(
                    await budgets.reserve(session, op.organisation_id, op.caps, op.amount, op.now)
                )
            except budgets.BudgetExceeded as exceeded:
                outcomes.append(exceeded)
    granted = [
        {**op.usage, "reserved_micros": op.amount, "spend_ids": {"ids": [str(i) for i in outcome]}}
        for op, outcome in zip(ops, outcomes, strict=True)
        if not isinstance(outcome, budgets.BudgetExceeded)
    ]
    if granted:
        await session.execute(_INSERT_USAGE, granted)
    return outcomes


async def _settle_batch(session: AsyncSession, ops: list[Settlement]) -> list[bool]:
    """Whether each settlement was this one's to make (a call is settled once, by whoever comes first)."""
    if not ops:
        return []
    # Claimed under a row lock (PostgreSQL; SQLite's write transaction already excludes other writers),
    # so the stale-call sweep and this batch never both settle a call.
    pending = dict((await session.execute(_PENDING, {"b_ids": [op.usage_id for op in ops]})).all())
    mine: list[bool] = []
    claims: list[dict[str, Any]] = []
    moves: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0])
    for op in ops:
        ok = pending.pop(op.usage_id, None) == op.organisation_id
        mine.append(ok)
        if not ok:
            continue
        values = budgets.settled_values(op.result)
        claims.append(
            {
                "b_id": op.usage_id,
                "b_cost_micros": op.result.cost_micros,
                "b_finished_at": op.now,
                **{f"b_{name}": values[name] for name in _SETTLED},
            }
        )
        for row in op.held.spend_ids:
            moves[row][0] += op.held.reserved_micros
            moves[row][1] += op.result.cost_micros
    if claims:
        await session.execute(_CLAIM, claims)
    if moves:
        await session.execute(
            budgets.MOVE_TO_SPENT,
            [{"b_id": row, "b_released": r, "b_spent": s} for row, (r, s) in moves.items()],
        )
    return mine


__all__ = ["Ledger"]
