"""Level-ups and new badges reach the learner's Socket.IO room after the engine's commit."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from starguide.kit.events import BadgeEarned, LevelReached
from tests.learning.support import answer, emit, setting
from tests.realtime.test_realtime import connect, live  # noqa: F401  (the fixture)


def _receive_all(client: Any, seconds: float) -> list[Any]:
    events = []
    while True:
        try:
            events.append(client.receive(seconds))
        except Exception:  # TimeoutError of the simple client: nothing more arrived
            return events


async def test_level_up_and_badges_are_sent_to_the_learner_only(live: tuple[Any, str]) -> None:  # noqa: F811
    harness, url = live
    s = await setting(harness)
    learner = await asyncio.to_thread(connect, url, s.learner.access_token)
    mentor = await asyncio.to_thread(connect, url, s.mentor.access_token)
    try:
        now = datetime.now(UTC)
        # 7 correct first-try answers of difficulty 3 pay 15 XP each: 105 XP, level 2.
        await emit(
            harness,
            *[answer(s.org.id, s.learner.user_id, at=now - timedelta(minutes=10 - i)) for i in range(7)],
        )
        await harness.drain()  # the level and badge events recorded while delivering the answers
        received = await asyncio.to_thread(_receive_all, learner, 2)
        names = {name for name, _ in received}
        assert names == {"learning.progress"}
        payloads = [p for _, p in received]
        levels = [p for p in payloads if p["kind"] == "level"]
        assert [(p["level"], p["learner_id"], p["organisation_id"]) for p in levels] == [
            (2, str(s.learner.user_id), str(s.org.id))
        ]
        badges = {(p["badge_key"], p["tier"]) for p in payloads if p["kind"] == "badge"}
        assert ("first-answer", 1) in badges
        assert all(p["name"] for p in payloads if p["kind"] == "badge")
        assert await asyncio.to_thread(_receive_all, mentor, 0.5) == []
    finally:
        await asyncio.to_thread(learner.disconnect)
        await asyncio.to_thread(mentor.disconnect)


async def test_each_recorded_progress_event_is_sent_once(live: tuple[Any, str]) -> None:  # noqa: F811
    harness, url = live
    s = await setting(harness)
    learner = await asyncio.to_thread(connect, url, s.learner.access_token)
    try:
        event = LevelReached(organisation_id=s.org.id, learner_id=s.learner.user_id, level=3, xp_total=260)
        badge = BadgeEarned(
            organisation_id=s.org.id, learner_id=s.learner.user_id, badge_key="level", tier=1, name="Climber"
        )
        await emit(harness, event, badge)
        await harness.drain()
        received = await asyncio.to_thread(_receive_all, learner, 1.5)
        assert sorted(p["kind"] for _, p in received) == ["badge", "level"]
    finally:
        await asyncio.to_thread(learner.disconnect)
