"""Leaderboards: weekly (in the organisation's time zone) and all-time, per organisation and per course.

The XP ledger in SQL is the truth. With Redis configured, a sorted set per board serves reads; it is
built from SQL when missing, kept current after each commit that pays XP (an atomic script that only
touches a board that exists), and expires (the week's board after the week, the all-time board after an
hour) so a missed update can never last. Learners who opted out are left out; anonymised learners
appear without name or id. Ties go to whoever reached the score first, then by learner id (the same
order in SQL and in Redis, so the two always agree).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.auth.models import User
from starguide.db import Database
from starguide.learning import streaks
from starguide.learning.models import LearningProfile, XPLedgerEntry
from starguide.learning.queries import tenant
from starguide.orgs.models import Membership, Organisation

# Score = xp * 2^32 + (2^32 - 1 - seconds since 2020): exact in a double up to 2^21 XP per board.
_TIME_UNITS = 2**32
_ORIGIN = datetime(2020, 1, 1, tzinfo=UTC)
ALL_TIME_TTL_SECONDS = 3600
PERIODS = ("week", "all")

_UPDATE_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
  local xp = 0
  if s then xp = math.floor(tonumber(s) / tonumber(ARGV[4])) end
  redis.call('ZADD', KEYS[1], (xp + tonumber(ARGV[2])) * tonumber(ARGV[4]) + tonumber(ARGV[3]), ARGV[1])
end
return 1
"""


@dataclass(frozen=True)
class Standing:
    learner_id: uuid.UUID
    xp: int
    reached: int  # seconds since 2020-01-01 when the learner reached this score


@dataclass(frozen=True)
class Board:
    org_id: uuid.UUID
    period: str  # week | all
    course_id: uuid.UUID | None
    start: datetime | None  # the week's bounds (UTC) in the organisation's time zone
    end: datetime | None

    @property
    def key(self) -> str:
        scope = str(self.course_id) if self.course_id else "org"
        when = self.start.strftime("%Y%m%dT%H%M") if self.start else "all"
        return f"sg:lb:{self.org_id}:{scope}:{self.period}:{when}"


def week_start(now: datetime, tz: str) -> date:
    today = streaks.local_day(now, tz)
    return today - timedelta(days=today.weekday())


def board(org_id: uuid.UUID, period: str, course_id: uuid.UUID | None, now: datetime, tz: str) -> Board:
    if period == "all":
        return Board(org_id, period, course_id, None, None)
    monday = week_start(now, tz)
    start, _ = streaks.day_bounds(monday, tz)
    end, _ = streaks.day_bounds(monday + timedelta(days=7), tz)
    return Board(org_id, period, course_id, start, end)


def _seconds(instant: datetime) -> int:
    return int((instant - _ORIGIN).total_seconds())


def _encode(s: Standing) -> float:
    return float(s.xp * _TIME_UNITS + (_TIME_UNITS - 1 - s.reached))


def _decode(learner: bytes | str, score: float) -> Standing:
    value = int(score)
    xp_total, rest = divmod(value, _TIME_UNITS)
    name = learner.decode() if isinstance(learner, bytes) else learner
    return Standing(uuid.UUID(name), xp_total, _TIME_UNITS - 1 - rest)


def order(standings: list[Standing]) -> list[Standing]:
    """Most XP first; ties: reached first, then the greater learner id (Redis's order for equal scores)."""
    by_id = sorted(standings, key=lambda s: str(s.learner_id), reverse=True)
    return sorted(by_id, key=lambda s: (-s.xp, s.reached))


async def sql_standings(session: AsyncSession, b: Board, limit: int | None) -> list[Standing]:
    """The board computed from the ledger (members who have not opted out)."""
    stmt = (
        tenant(
            select(
                XPLedgerEntry.learner_id,
                func.sum(XPLedgerEntry.amount).label("xp"),
                func.max(XPLedgerEntry.earned_at).label("reached"),
            ),
            XPLedgerEntry,
            b.org_id,
        )
        .join(
            Membership,
            (Membership.user_id == XPLedgerEntry.learner_id) & (Membership.organisation_id == b.org_id),
        )
        .outerjoin(
            LearningProfile,
            (LearningProfile.learner_id == XPLedgerEntry.learner_id)
            & (LearningProfile.organisation_id == b.org_id),
        )
        .where((LearningProfile.leaderboard_mode.is_(None)) | (LearningProfile.leaderboard_mode != "hidden"))
        .group_by(XPLedgerEntry.learner_id)
    )
    if b.course_id is not None:
        stmt = stmt.where(XPLedgerEntry.course_id == b.course_id)
    if b.start is not None and b.end is not None:
        stmt = stmt.where(XPLedgerEntry.earned_at >= b.start, XPLedgerEntry.earned_at < b.end)
    rows = (await session.execute(stmt)).all()
    from starguide.kit.time import as_utc

    standings = [
        Standing(r.learner_id, int(r.xp), _seconds(as_utc(r.reached))) for r in rows if r.xp and int(r.xp) > 0
    ]
    ranked = order(standings)
    return ranked if limit is None else ranked[:limit]


class LeaderboardCache:
    """Redis sorted sets in front of `sql_standings`; every method is a no-op without Redis."""

    def __init__(self, redis: Any) -> None:
        self.redis = redis

    async def standings(self, session: AsyncSession, b: Board, limit: int) -> list[Standing]:
        if self.redis is None:
            return await sql_standings(session, b, limit)
        raw = await self.redis.zrevrange(b.key, 0, limit - 1, withscores=True)
        if not raw and not await self.redis.exists(b.key):
            full = await sql_standings(session, b, None)
            await self._build(b, full)
            return full[:limit]
        return order([_decode(member, score) for member, score in raw])

    async def _build(self, b: Board, standings: list[Standing]) -> None:
        if not standings:
            return
        ttl = (
            int((b.end - b.start).total_seconds()) + 86_400
            if b.start is not None and b.end is not None
            else ALL_TIME_TTL_SECONDS
        )
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(b.key)
            pipe.zadd(b.key, {str(s.learner_id): _encode(s) for s in standings})
            pipe.expire(b.key, ttl)
            await pipe.execute()

    async def add(self, b: Board, learner_id: uuid.UUID, amount: int, at: datetime) -> None:
        if self.redis is None:
            return
        offset = _TIME_UNITS - 1 - _seconds(at)
        await self.redis.eval(_UPDATE_SCRIPT, 1, b.key, str(learner_id), amount, offset, _TIME_UNITS)

    async def forget_org(self, org_id: uuid.UUID) -> None:
        """Drop every board of an organisation (after an opt-out or a change of settings)."""
        if self.redis is None:
            return
        keys = [k async for k in self.redis.scan_iter(match=f"sg:lb:{org_id}:*", count=500)]
        if keys:
            await self.redis.delete(*keys)

    def schedule(
        self,
        session: AsyncSession,
        org_id: uuid.UUID,
        org_tz: str,
        learner_id: uuid.UUID,
        xp_by_course: dict[uuid.UUID | None, int],
        at: datetime,
    ) -> None:
        """After commit, add the learner's new XP to every board it touches (org and course, week and all)."""
        if self.redis is None:
            return
        updates: list[tuple[Board, int]] = []
        total = sum(xp_by_course.values())
        for period in PERIODS:
            updates.append((board(org_id, period, None, at, org_tz), total))
            for course_id, amount in xp_by_course.items():
                if course_id is not None:
                    updates.append((board(org_id, period, course_id, at, org_tz), amount))

        async def apply() -> None:
            for b, amount in updates:
                await self.add(b, learner_id, amount, at)

        Database.on_commit(session, apply)


async def org_settings(session: AsyncSession, org_id: uuid.UUID) -> tuple[str, bool]:
    """(time zone, leaderboards enabled) of the organisation."""
    row = (
        await session.execute(
            select(Organisation.time_zone, Organisation.leaderboards_enabled).where(Organisation.id == org_id)
        )
    ).first()
    if row is None:
        return "UTC", False
    return row.time_zone or "UTC", bool(row.leaderboards_enabled)


@dataclass(frozen=True)
class Entry:
    rank: int
    learner_id: uuid.UUID | None  # None when anonymised
    display_name: str
    xp: int
    is_me: bool


async def entries(
    session: AsyncSession, standings: list[Standing], viewer_id: uuid.UUID, org_id: uuid.UUID
) -> list[Entry]:
    """Names and anonymity for the standings (rank by position)."""
    ids = [s.learner_id for s in standings]
    if not ids:
        return []
    names = dict((await session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))).all())
    modes: dict[uuid.UUID, str] = dict(
        (
            await session.execute(
                tenant(
                    select(LearningProfile.learner_id, LearningProfile.leaderboard_mode),
                    LearningProfile,
                    org_id,
                ).where(LearningProfile.learner_id.in_(ids))
            )
        ).all()
    )
    out = []
    for rank, s in enumerate(standings, start=1):
        anonymous = modes.get(s.learner_id) == "anonymous" and s.learner_id != viewer_id
        out.append(
            Entry(
                rank=rank,
                learner_id=None if anonymous else s.learner_id,
                display_name="Anonymous learner" if anonymous else names.get(s.learner_id, "Learner"),
                xp=s.xp,
                is_me=s.learner_id == viewer_id,
            )
        )
    return out
