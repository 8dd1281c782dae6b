"""Budgets: reserve a call's worst-case cost before it starts, settle the real cost when it ends.

Each step is one UPDATE. Reserving is conditional (`spent + reserved + cost <= cap`), which both
SQLite and PostgreSQL evaluate atomically on the row (PostgreSQL re-checks the condition after
waiting for a concurrent writer's lock), so concurrent calls can never hold more than the cap.
Caps are taken in a fixed order (organisation, then learner), so two calls never deadlock.

Write transactions are short and few because on SQLite they queue behind one another: the process
remembers the id of each period's counter row (so reserving is one UPDATE per cap, not an upsert,
a read and an UPDATE), and a call that knows what it reserved settles without reading it back.
"""

from __future__ import annotations

import math
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.ai.models import AISpend, AIUsage
from starguide.ai.router import CallResult
from starguide.kit.errors import ProblemError
from starguide.kit.ids import uuid7
from starguide.kit.tenancy import scoped

Scope = Literal["org_month", "user_day"]
CAP_NAMES = {"org_month": "organisation_monthly", "user_day": "learner_daily"}


class BudgetExceeded(ProblemError):
    status, slug, title = 429, "budget-exceeded", "AI budget exceeded"

    def __init__(self, cap: Scope, resets_at: datetime, now: datetime) -> None:
        wait = max(1, math.ceil((resets_at - now).total_seconds()))
        what = "organisation's monthly" if cap == "org_month" else "daily per-learner"
        super().__init__(
            f"The {what} AI budget is used up; it resets at {resets_at.isoformat()}.",
            headers={"Retry-After": str(wait)},
            cap=CAP_NAMES[cap],
            resets_at=resets_at.isoformat(),
        )
        self.cap = cap
        self.resets_at = resets_at


@dataclass(frozen=True)
class Cap:
    scope: Scope
    subject_id: uuid.UUID
    limit_micros: int | None  # None: counted, not capped


def period_of(scope: Scope, now: datetime) -> tuple[str, datetime]:
    """The period key and when it ends (UTC)."""
    if scope == "org_month":
        start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        following = (start + timedelta(days=32)).replace(day=1)
        return start.strftime("%Y-%m"), following
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return start.strftime("%Y-%m-%d"), start + timedelta(days=1)


# (organisation, scope, subject, period) -> the counter row's id. Only a hint: a row that is gone
# (an organisation deleted, tables emptied) updates nothing, and the slow path finds or makes it.
_KNOWN_ROWS: OrderedDict[tuple[uuid.UUID, str, uuid.UUID, str], uuid.UUID] = OrderedDict()
_KNOWN_ROWS_MAX = 10_000


def _remember_row(key: tuple[uuid.UUID, str, uuid.UUID, str], row_id: uuid.UUID) -> None:
    _KNOWN_ROWS[key] = row_id
    _KNOWN_ROWS.move_to_end(key)
    while len(_KNOWN_ROWS) > _KNOWN_ROWS_MAX:
        _KNOWN_ROWS.popitem(last=False)


async def _spend_row(session: AsyncSession, organisation_id: uuid.UUID, cap: Cap, period: str) -> uuid.UUID:
    """The id of the counter row, created if missing (concurrent creators: one wins, all agree)."""
    values = {
        "id": uuid7(),
        "organisation_id": organisation_id,
        "scope": cap.scope,
        "subject_id": cap.subject_id,
        "period": period,
        "spent_micros": 0,
        "reserved_micros": 0,
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(AISpend).values(**values).on_conflict_do_nothing())
    found = await session.scalar(
        select(AISpend.id).where(
            AISpend.organisation_id == organisation_id,
            AISpend.scope == cap.scope,
            AISpend.subject_id == cap.subject_id,
            AISpend.period == period,
        )
    )
    assert found is not None
    return found


async def reserve(
    session: AsyncSession, organisation_id: uuid.UUID, caps: list[Cap], amount: int, now: datetime
) -> list[uuid.UUID]:
    """Hold `amount` micro-dollars on every cap, or raise `BudgetExceeded` having held nothing."""
    ids: list[uuid.UUID] = []
    for cap in caps:
        period, resets_at = period_of(cap.scope, now)
        key = (organisation_id, cap.scope, cap.subject_id, period)
        known = _KNOWN_ROWS.get(key)
        if known is not None and await add_reserved(session, known, amount, cap.limit_micros):
            ids.append(known)
            continue
        # Not known, gone, or over the cap: make sure the row exists, then try once more.
        _KNOWN_ROWS.pop(key, None)
        row_id = await _spend_row(session, organisation_id, cap, period)
        if not await add_reserved(session, row_id, amount, cap.limit_micros):
            # Undone here rather than left to a rollback: a batch of calls shares the transaction.
            for held in ids:
                await add_reserved(session, held, -amount)
            raise BudgetExceeded(cap.scope, resets_at, now)
        _remember_row(key, row_id)
        ids.append(row_id)
    return ids


def known_row(organisation_id: uuid.UUID, cap: Cap, now: datetime) -> uuid.UUID | None:
    """The id of the cap's counter row for the period of `now`, if this process knows it."""
    return _KNOWN_ROWS.get((organisation_id, cap.scope, cap.subject_id, period_of(cap.scope, now)[0]))


# Built once: a statement built per call costs its construction and leaves reference cycles
# (bound parameters and their comparators) for the garbage collector, whose pauses every stream in
# flight then waits out.
_SPEND = cast(Table, AISpend.__table__)
_ADD_RESERVED = (
    update(_SPEND)
    .where(_SPEND.c.id == bindparam("b_id"))
    .values(reserved_micros=_SPEND.c.reserved_micros + bindparam("b_amount"))
)
_ADD_RESERVED_WITHIN = _ADD_RESERVED.where(
    _SPEND.c.spent_micros + _SPEND.c.reserved_micros + bindparam("b_amount") <= bindparam("b_limit")
)
# A settled call's reservation leaves a counter row, and its cost is added to what was spent.
MOVE_TO_SPENT = (
    update(_SPEND)
    .where(_SPEND.c.id == bindparam("b_id"))
    .values(
        reserved_micros=_SPEND.c.reserved_micros - bindparam("b_released"),
        spent_micros=_SPEND.c.spent_micros + bindparam("b_spent"),
    )
)


async def add_reserved(
    session: AsyncSession, row_id: uuid.UUID, amount: int, limit_micros: int | None = None
) -> bool:
    """Add `amount` to a row's reservations if it stays within `limit_micros`; whether it did."""
    params = {"b_id": row_id, "b_amount": amount}
    if limit_micros is None:
        result = await session.execute(_ADD_RESERVED, params)
    else:
        result = await session.execute(_ADD_RESERVED_WITHIN, {**params, "b_limit": limit_micros})
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Held:
    """What a call reserved, as its reservation wrote it: enough to settle without reading it back."""

    reserved_micros: int
    spend_ids: tuple[uuid.UUID, ...]


def settled_values(result: CallResult) -> dict[str, object]:
    """The columns of `ai_usage` that record how a call ended (its cost aside)."""
    deployment = result.deployment
    return {
        "outcome": result.outcome,
        "error_kind": result.error.kind.value if result.error else None,
        "deployment": deployment.name if deployment else None,
        "provider": deployment.provider if deployment else None,
        "model": deployment.model if deployment else None,
        "input_tokens": result.usage.input_tokens,
        "cached_input_tokens": result.usage.cached_input_tokens,
        "output_tokens": result.usage.output_tokens,
        "estimated": result.usage.estimated,
        "latency_ms": round(result.latency_ms),
        "ttft_ms": round(result.ttft_ms) if result.ttft_ms is not None else None,
        "finish_reason": result.finish_reason.value,
    }


async def settle(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    usage_id: uuid.UUID,
    result: CallResult | None,
    now: datetime,
    held: Held | None = None,
) -> bool:
    """Record how the call ended and move its cost from reserved to spent. Idempotent.

    `result` None (the process lost track of the call) charges the whole reservation, marked as
    an estimate: a call is never recorded as free for lack of a usage report. `held`, from the
    reservation itself, spares reading the usage row first (the claim below still decides).
    """
    if held is None or result is None:
        usage = await session.scalar(
            scoped(select(AIUsage).where(AIUsage.id == usage_id), AIUsage, organisation_id)
        )
        if usage is None or usage.outcome != "pending":
            return False
        held = Held(
            usage.reserved_micros,
            tuple(uuid.UUID(i) for i in (usage.spend_ids or {}).get("ids", [])),
        )
    values: dict[str, object]
    if result is None:
        cost, values = held.reserved_micros, {"outcome": "error", "error_kind": "lost", "estimated": True}
    else:
        cost, values = result.cost_micros, settled_values(result)
    # Claim the row first: of two settlers (the call itself and the stale-call sweep), one wins.
    claimed = await session.execute(
        update(AIUsage)
        .where(
            AIUsage.id == usage_id,
            AIUsage.organisation_id == organisation_id,
            AIUsage.outcome == "pending",
        )
        .values(cost_micros=cost, reserved_micros=0, finished_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    if held.spend_ids:
        await session.execute(
            MOVE_TO_SPENT,
            [{"b_id": row, "b_released": held.reserved_micros, "b_spent": cost} for row in held.spend_ids],
        )
    return True
