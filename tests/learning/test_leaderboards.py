"""Leaderboards: order and ties, the week in the org's zone, courses, opt-out, switch-off, Redis = SQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from starguide.auth.models import User
from starguide.learning import leaderboards, service
from starguide.learning.leaderboards import LeaderboardCache
from starguide.learning.models import LearningProfile
from starguide.orgs.models import Membership, Organisation
from tests.conftest import requires_redis
from tests.learning.support import answer, emit


async def _org(harness: Any, learners: int, tz: str = "UTC") -> tuple[uuid.UUID, list[uuid.UUID]]:
    org = uuid.uuid4()
    users = [uuid.uuid4() for _ in range(learners)]
    async with harness.runtime.db.session() as s:
        s.add(Organisation(id=org, name="Org", slug=f"o-{org.hex[:12]}", time_zone=tz, settings={}))
        for i, user in enumerate(users):
            s.add(
                User(id=user, email=f"{user.hex}@example.org", display_name=f"Learner {i}", password_hash="-")
            )
        await s.flush()
        for user in users:
            s.add(Membership(organisation_id=org, user_id=user, role="learner"))
    return org, users


def _correct(
    org: uuid.UUID, user: uuid.UUID, at: datetime, n: int = 1, course: uuid.UUID | None = None
) -> list[Any]:
    # Wrong-first-try answers to new questions pay exactly 10 XP each (difficulty 0.5, no bonus).
    return [
        answer(org, user, at=at + timedelta(seconds=i), first_try=False, course_id=course) for i in range(n)
    ]


async def _board(
    harness: Any,
    org: uuid.UUID,
    viewer: uuid.UUID,
    period: str,
    *,
    course: uuid.UUID | None = None,
    redis: bool,
) -> list[tuple[Any, int, str]]:
    cache = LeaderboardCache(harness.runtime.redis if redis else None)
    async with harness.runtime.db.session(write=False) as s:
        read = await service.leaderboard(s, org, viewer, period, course, 50, datetime.now(UTC), cache)
    return [(e.learner_id, e.xp, e.display_name) for e in read.entries]


async def test_order_ties_week_course_opt_out_and_anonymous(harness: Any) -> None:
    org, (a, b, c, d, e) = await _org(harness, 5)
    now = datetime.now(UTC)
    monday = leaderboards.board(org, "week", None, now, "UTC").start
    assert monday is not None
    course = uuid.uuid4()
    t = max(monday + timedelta(minutes=30), now - timedelta(hours=1))
    await emit(
        harness,
        *_correct(org, b, t, 3),  # 30 XP, reached first
        *_correct(org, a, t + timedelta(minutes=5), 3),  # 30 XP, reached later
        *_correct(org, c, t, 5),  # 50 XP, but opts out
        *_correct(org, d, t, 2, course),  # 20 XP in the course, appears anonymised
        *_correct(org, e, monday - timedelta(days=2), 4),  # 40 XP last week only
    )
    async with harness.runtime.db.session() as s:
        await s.execute(
            update(LearningProfile).where(LearningProfile.learner_id == c).values(leaderboard_mode="hidden")
        )
        await s.execute(
            update(LearningProfile)
            .where(LearningProfile.learner_id == d)
            .values(leaderboard_mode="anonymous")
        )
    week = await _board(harness, org, a, "week", redis=False)
    assert week == [(b, 30, "Learner 1"), (a, 30, "Learner 0"), (None, 20, "Anonymous learner")]
    all_time = await _board(harness, org, a, "all", redis=False)
    assert [x[1] for x in all_time] == [40, 30, 30, 20]
    assert all_time[0][0] == e
    # The anonymised learner sees themself; the course board has only course XP.
    assert (await _board(harness, org, d, "week", course=course, redis=False)) == [(d, 20, "Learner 3")]
    # The organisation switches leaderboards off.
    async with harness.runtime.db.session() as s:
        await s.execute(update(Organisation).where(Organisation.id == org).values(leaderboards_enabled=False))
    with pytest.raises(service.LeaderboardsDisabled):
        await _board(harness, org, a, "week", redis=False)


async def test_the_week_follows_the_organisations_time_zone() -> None:
    org = uuid.uuid4()
    # Sunday 20:00 UTC is already Monday in Auckland: a new week there, not in London.
    sunday_evening = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)
    auckland = leaderboards.board(org, "week", None, sunday_evening, "Pacific/Auckland")
    london = leaderboards.board(org, "week", None, sunday_evening, "Europe/London")
    assert auckland.start == datetime(2026, 11, 29, 11, 0, tzinfo=UTC)
    assert london.start == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    assert auckland.key != london.key
    # A week with a DST change has 167 or 169 hours.
    spring = leaderboards.board(org, "week", None, datetime(2026, 3, 25, 12, tzinfo=UTC), "Europe/Berlin")
    assert spring.end is not None
    assert spring.start is not None
    assert spring.end - spring.start == timedelta(hours=167)


@requires_redis
async def test_reads_are_equal_with_and_without_redis(harness: Any) -> None:
    assert harness.runtime.redis is not None
    org, users = await _org(harness, 6)
    now = datetime.now(UTC)
    course = uuid.uuid4()
    start = max(leaderboards.board(org, "week", None, now, "UTC").start or now, now - timedelta(hours=2))
    await emit(
        harness, *(ev for i, u in enumerate(users) for ev in _correct(org, u, start, i % 3 + 1, course))
    )
    boards = [("week", None), ("all", None), ("week", course), ("all", course)]
    for period, c in boards:
        sql = await _board(harness, org, users[0], period, course=c, redis=False)
        cached = await _board(harness, org, users[0], period, course=c, redis=True)  # builds the cache
        assert cached == sql
    # Later awards update the cached boards after commit; reads still agree.
    await emit(harness, *_correct(org, users[5], start + timedelta(minutes=30), 4, course))
    await emit(harness, *_correct(org, users[0], start + timedelta(minutes=31), 1))
    for period, c in boards:
        sql = await _board(harness, org, users[0], period, course=c, redis=False)
        assert await _board(harness, org, users[0], period, course=c, redis=True) == sql
        assert sql[0][0] == users[5]
    # A missing cache is rebuilt from SQL.
    await LeaderboardCache(harness.runtime.redis).forget_org(org)
    for period, c in boards:
        assert await _board(harness, org, users[0], period, course=c, redis=True) == await _board(
            harness, org, users[0], period, course=c, redis=False
        )
    # Opting out drops the learner from the cached board as well.
    r = LeaderboardCache(harness.runtime.redis)
    async with harness.runtime.db.session() as s:
        await s.execute(
            update(LearningProfile)
            .where(LearningProfile.learner_id == users[5])
            .values(leaderboard_mode="hidden")
        )
    await r.forget_org(org)
    cached = await _board(harness, org, users[0], "all", redis=True)
    assert users[5] not in [x[0] for x in cached]
    assert cached == await _board(harness, org, users[0], "all", redis=False)
