"""The learning engine end to end: events through the outbox become XP, cards, mastery, streaks and badges."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from starguide.kit.events import AttemptSubmitted, BadgeEarned, LessonCompleted, LevelReached, MentorHelpGiven
from starguide.kit.outbox import OutboxEvent
from starguide.learning import engine
from starguide.learning.engine import skill_uuid
from starguide.learning.models import DailyActivity, EarnedBadge, ReviewCard, SkillMastery
from starguide.runtime import Runtime
from tests.learning.support import API, answer, emit, ledger, profile, setting, teach


def _rules(rows: list[Any]) -> list[tuple[str, int]]:
    return [(r.rule, r.amount) for r in rows]


async def _outbox_types(harness: Any, event_type: str) -> list[dict[str, Any]]:
    async with harness.runtime.db.session(write=False) as session:
        rows = (await session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == event_type))).all()
        return [r.payload for r in rows]


_HOUR_BADGES = {"early-bird", "night-owl"}


async def test_a_correct_answer_pays_xp_and_creates_card_mastery_and_badge(harness: Any) -> None:
    now = datetime.now(UTC)
    # A learner whose local time is daytime, so no time-of-day badge (early bird, night owl) joins in.
    zone = next(
        z
        for z in ("UTC", "Asia/Tokyo", "America/New_York", "Asia/Kolkata", "Pacific/Honolulu")
        if 8 <= (now - timedelta(minutes=5)).astimezone(ZoneInfo(z)).hour < 21
    )
    s = await setting(harness, learner_tz=zone)
    await emit(
        harness, answer(s.org.id, s.learner.user_id, at=now - timedelta(minutes=5), skills=["algebra"])
    )
    skill = skill_uuid(None, "algebra")
    assert _rules(await ledger(harness, s.learner.user_id)) == [
        ("correct_answer", 10),
        ("first_try_bonus", 5),
    ]
    home = (await harness.client.get(f"{API}/me", headers=s.learner.headers)).json()
    assert home["level"]["xp_total"] == 15
    assert home["daily_goal"] == {
        "day": home["daily_goal"]["day"],
        "goal_xp": 50,
        "xp_today": 15,
        "met": False,
        "fraction": 0.3,
    }
    # Early Bird or Night Owl may come too, depending on the hour the test runs.
    recent = {b["key"] for b in home["recent_badges"]}
    assert recent - _HOUR_BADGES == {"first-answer"}
    skills = (await harness.client.get(f"{API}/me/skills", headers=s.learner.headers)).json()
    assert skills["skills"][0]["skill_id"] == str(skill)
    assert skills["skills"][0]["probability"] > 0.5
    assert skills["skills"][0]["low"] < skills["skills"][0]["probability"] < skills["skills"][0]["high"]
    earned = await _outbox_types(harness, BadgeEarned.event_type)
    assert [(e["badge_key"], e["learner_id"]) for e in earned if e["badge_key"] not in _HOUR_BADGES] == [
        ("first-answer", str(s.learner.user_id))
    ]
    # An answer waiting for a mentor's grade pays nothing yet.
    await emit(harness, answer(s.org.id, s.learner.user_id, at=now - timedelta(minutes=1), status="pending"))
    assert len(await ledger(harness, s.learner.user_id)) == 2


async def test_awards_are_idempotent_under_concurrent_duplicate_delivery(harness: Any) -> None:
    s = await setting(harness)
    now = datetime.now(UTC)
    events = [answer(s.org.id, s.learner.user_id, at=now - timedelta(minutes=10 - i)) for i in range(5)]
    async with harness.runtime.db.session() as session:
        from starguide.kit.outbox import record_event

        for e in events:
            record_event(session, e)
    # Two workers (each its own runtime: engine, dispatcher, subscribers) deliver the same events at once.
    second = Runtime.build(harness.runtime.settings)
    await second.start(background=False)
    try:
        await asyncio.gather(harness.runtime.dispatcher.drain(), second.dispatcher.drain(), harness.drain())
    finally:
        await second.stop()
    rows = await ledger(harness, s.learner.user_id)
    assert sorted(r.rule for r in rows).count("correct_answer") == 5
    assert len(rows) == 11  # 5 x (answer + first try) + the daily goal
    assert (await profile(harness, s.org.id, s.learner.user_id)).xp_total == 90
    # The same event handled again directly (as a redelivery without the delivery record would be)
    # pays nothing more: the ledger refuses a second (event, rule).
    async with harness.runtime.db.session() as session:
        await engine.on_answer_graded(session, events[0])
    assert len(await ledger(harness, s.learner.user_id)) == 11
    assert (await profile(harness, s.org.id, s.learner.user_id)).xp_total == 90


async def test_repeats_diminish_and_a_due_recall_pays_more(harness: Any) -> None:
    s = await setting(harness)
    now = datetime.now(UTC)
    q = uuid.uuid4()
    start = now - timedelta(days=20)
    repeats = [
        answer(s.org.id, s.learner.user_id, at=start + timedelta(minutes=i), question_id=q) for i in range(6)
    ]
    await emit(harness, *repeats)
    by_event: dict[uuid.UUID, int] = {}
    for row in await ledger(harness, s.learner.user_id):
        by_event[row.source_event_id] = by_event.get(row.source_event_id, 0) + row.amount
    paid = [by_event.get(e.event_id, 0) for e in repeats]
    assert paid[0] == 15  # answer + first try
    assert paid[1:] == [5, 3, 1, 0, 0]
    async with harness.runtime.db.session(write=False) as session:
        card = await session.scalar(select(ReviewCard).where(ReviewCard.question_id == q))
        assert card is not None
        due = card.due
    assert due < now
    recall = answer(s.org.id, s.learner.user_id, at=due + timedelta(hours=1), question_id=q, first_try=False)
    await emit(harness, recall)
    recall_rows = [
        r for r in await ledger(harness, s.learner.user_id) if r.source_event_id == recall.event_id
    ]
    assert sorted(_rules(recall_rows)) == [("correct_answer", 10), ("spaced_recall", 10)]
    assert sum(r.amount for r in recall_rows) > 3 * paid[1]


async def test_daily_goal_streak_and_level_in_the_learners_zone(harness: Any) -> None:
    s = await setting(harness, learner_tz="Asia/Tokyo")
    r = await harness.client.patch(
        f"{API}/me/settings", json={"daily_goal_xp": 20}, headers=s.learner.headers
    )
    assert r.status_code == 200
    assert r.json()["time_zone"] == "Asia/Tokyo"
    now = datetime.now(UTC)
    tokyo_midnight = datetime.combine(
        (now + timedelta(hours=9)).date() - timedelta(days=1), datetime.min.time(), tzinfo=UTC
    ) - timedelta(hours=9)
    # 14:50 and 15:10 UTC are two different days in Tokyo (midnight at 15:00 UTC).
    before = tokyo_midnight - timedelta(minutes=10)
    after = tokyo_midnight + timedelta(minutes=10)
    await emit(
        harness,
        answer(s.org.id, s.learner.user_id, at=before),
        answer(s.org.id, s.learner.user_id, at=before + timedelta(minutes=1)),
        answer(s.org.id, s.learner.user_id, at=after),
        answer(s.org.id, s.learner.user_id, at=after + timedelta(minutes=1)),
    )
    async with harness.runtime.db.session(write=False) as session:
        days = (
            await session.scalars(
                select(DailyActivity)
                .where(DailyActivity.learner_id == s.learner.user_id)
                .order_by(DailyActivity.day)
            )
        ).all()
    assert [(d.answers, d.goal_met) for d in days] == [(2, True), (2, True)]
    assert days[1].day - days[0].day == timedelta(days=1)
    p = await profile(harness, s.org.id, s.learner.user_id)
    assert (p.streak_current, p.streak_longest) == (2, 2)
    goal_rows = [r for r in await ledger(harness, s.learner.user_id) if r.rule == "daily_goal_met"]
    assert [r.amount for r in goal_rows] == [15, 15]
    assert goal_rows[0].source_event_id == engine.goal_event_id(s.learner.user_id, days[0].day)
    history = (await harness.client.get(f"{API}/me/days", headers=s.learner.headers)).json()
    assert [d["goal_met"] for d in history[:2]] == [True, True]


async def test_level_up_lessons_quizzes_and_repeat_completion(harness: Any) -> None:
    s = await setting(harness)
    now = datetime.now(UTC) - timedelta(hours=1)
    lesson, quiz, course = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def lesson_done(lesson_id: uuid.UUID) -> LessonCompleted:
        return LessonCompleted(
            organisation_id=s.org.id,
            user_id=s.learner.user_id,
            lesson_id=lesson_id,
            course_id=course,
            occurred_at=now,
        )

    def submitted(assessment_id: uuid.UUID, score: float, passed: bool | None) -> AttemptSubmitted:
        return AttemptSubmitted(
            organisation_id=s.org.id,
            user_id=s.learner.user_id,
            attempt_id=uuid.uuid4(),
            assessment_id=assessment_id,
            course_id=course,
            mode="assessment",
            number=1,
            score=score,
            passed=passed,
            pending=0 if passed is not None else 1,
            question_count=5,
            auto_submitted=False,
            duration_seconds=120.0,
            occurred_at=now,
        )

    first, again, second = lesson_done(lesson), lesson_done(lesson), lesson_done(uuid.uuid4())
    attempt = submitted(quiz, 1.0, True)
    failed = submitted(uuid.uuid4(), 0.2, False)
    pending = submitted(uuid.uuid4(), 0.8, None)
    await emit(harness, first, again, attempt, failed, second, pending)
    rows = _rules(await ledger(harness, s.learner.user_id))
    assert sorted(rows) == [
        ("daily_goal_met", 15),
        ("lesson_completed", 20),
        ("lesson_completed", 20),
        ("quiz_passed", 50),
    ]
    levels = await _outbox_types(harness, LevelReached.event_type)
    assert [(e["level"], e["xp_total"]) for e in levels if e["learner_id"] == str(s.learner.user_id)] == [
        (2, 105)
    ]
    badge_keys = {
        e["badge_key"]
        for e in await _outbox_types(harness, BadgeEarned.event_type)
        if e["learner_id"] == str(s.learner.user_id)
    }
    assert {"first-lesson", "first-quiz", "perfectionist", "goal-getter"} <= badge_keys


async def test_help_with_several_questions_assists_each_of_them_and_no_other(harness: Any) -> None:
    s = await setting(harness)
    now = datetime.now(UTC) - timedelta(hours=2)
    first, second, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    help_event = MentorHelpGiven(
        organisation_id=s.org.id, learner_id=s.learner.user_id, question_ids=[first, second], occurred_at=now
    )
    answers = [
        answer(s.org.id, s.learner.user_id, at=now + timedelta(minutes=m), question_id=q, skills=[f"s-{m}"])
        for m, q in ((2, first), (4, second), (6, other))
    ]
    late = answer(
        s.org.id, s.learner.user_id, at=now + timedelta(minutes=20), question_id=first, skills=["late"]
    )
    await emit(harness, help_event, *answers, late)
    paid = {
        r.source_event_id: r.amount
        for r in await ledger(harness, s.learner.user_id)
        if r.rule == "correct_answer"
    }
    # difficulty 3: 10 XP for a correct answer, halved when assisted
    assert [paid[a.event_id] for a in answers] == [5, 5, 10]
    async with harness.runtime.db.session(write=False) as session:
        late_skill = await session.get(SkillMastery, (s.org.id, s.learner.user_id, skill_uuid(None, "late")))
        assert late_skill is not None
        assert late_skill.assisted_attempts == 0


async def test_assisted_answers_weigh_less_and_crutch_index_is_shown_to_mentors(harness: Any) -> None:
    s = await setting(harness)
    now = datetime.now(UTC) - timedelta(hours=2)
    skill = skill_uuid(None, "fractions")
    helped_q = uuid.uuid4()
    events: list[Any] = [
        answer(s.org.id, s.learner.user_id, at=now + timedelta(minutes=i), skills=["fractions"], hints=1)
        for i in range(4)
    ]
    events += [
        answer(
            s.org.id,
            s.learner.user_id,
            at=now + timedelta(minutes=10 + i),
            skills=["fractions"],
            correct=i == 0,
        )
        for i in range(4)
    ]
    # The mentor explained a question; answering it 5 minutes later is assisted evidence.
    events.append(
        MentorHelpGiven(
            organisation_id=s.org.id,
            learner_id=s.learner.user_id,
            question_id=helped_q,
            occurred_at=now + timedelta(minutes=30),
        )
    )
    help_answer = answer(
        s.org.id,
        s.learner.user_id,
        at=now + timedelta(minutes=35),
        question_id=helped_q,
        skills=["fractions"],
    )
    events.append(help_answer)
    await emit(harness, *events)
    rows = [r for r in await ledger(harness, s.learner.user_id) if r.source_event_id == help_answer.event_id]
    assert _rules(rows) == [("correct_answer", 5)]  # halved and no first-try bonus
    async with harness.runtime.db.session(write=False) as session:
        m = await session.get(SkillMastery, (s.org.id, s.learner.user_id, skill))
        assert m is not None
        assert (m.attempts, m.assisted_attempts, m.assisted_correct, m.correct) == (9, 5, 5, 6)
    await teach(harness, s)
    r = await harness.client.get(f"{API}/learners/{s.learner.user_id}/skills", headers=s.mentor.headers)
    assert r.status_code == 200
    assert r.json()["skills"][0]["crutch_index"] == 0.75  # 5/5 assisted - 1/4 unassisted
    # The learner cannot read another learner's view; a learner of another organisation is not found.
    assert (
        await harness.client.get(f"{API}/learners/{s.mentor.user_id}/skills", headers=s.learner.headers)
    ).status_code == 403
    other = await setting(harness)
    r = await harness.client.get(f"{API}/learners/{other.learner.user_id}/skills", headers=s.mentor.headers)
    assert r.status_code == 404


async def test_review_queue_submit_and_desired_retention(harness: Any) -> None:
    s = await setting(harness)
    now = datetime.now(UTC)
    q = uuid.uuid4()
    await emit(harness, answer(s.org.id, s.learner.user_id, at=now - timedelta(hours=3), question_id=q))
    queue = (await harness.client.get(f"{API}/me/reviews", headers=s.learner.headers)).json()
    assert [c["question_id"] for c in queue] == [str(q)]
    card_id = queue[0]["id"]
    r = await harness.client.post(
        f"{API}/me/reviews/{card_id}", json={"rating": 3}, headers=s.learner.headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["xp_total"] == 15 + 2
    assert datetime.fromisoformat(body["card"]["due"]) > now
    assert (await harness.client.get(f"{API}/me/reviews", headers=s.learner.headers)).json() == []
    bad = await harness.client.post(
        f"{API}/me/reviews/{card_id}", json={"rating": 7}, headers=s.learner.headers
    )
    assert bad.status_code == 422
    missing = await harness.client.post(
        f"{API}/me/reviews/{uuid.uuid4()}", json={"rating": 3}, headers=s.learner.headers
    )
    assert missing.status_code == 404
    # Another learner cannot review this card.
    mine = await harness.client.post(
        f"{API}/me/reviews/{card_id}", json={"rating": 3}, headers=s.mentor.headers
    )
    assert mine.status_code == 404
    r = await harness.client.patch(
        f"{API}/me/settings", json={"desired_retention": 0.5}, headers=s.learner.headers
    )
    assert r.status_code == 422
    r = await harness.client.patch(
        f"{API}/me/settings", json={"desired_retention": 0.95}, headers=s.learner.headers
    )
    assert r.json()["desired_retention"] == 0.95


async def test_what_next_orders_reviews_then_weakest_skill_then_new(harness: Any) -> None:
    s = await setting(harness)
    empty = (await harness.client.get(f"{API}/me/next", headers=s.learner.headers)).json()
    assert [x["kind"] for x in empty] == ["new"]
    now = datetime.now(UTC)
    course = uuid.uuid4()
    weak = skill_uuid(course, "weak")
    events = [
        answer(
            s.org.id,
            s.learner.user_id,
            at=now - timedelta(hours=2, minutes=i),
            skills=["weak"],
            correct=False,
            course_id=course,
        )
        for i in range(3)
    ] + [
        answer(s.org.id, s.learner.user_id, at=now - timedelta(hours=1, minutes=i), skills=["strong"])
        for i in range(3)
    ]
    await emit(harness, *events)
    nxt = (await harness.client.get(f"{API}/me/next", headers=s.learner.headers)).json()
    assert [x["kind"] for x in nxt] == ["review", "practice", "new"]
    assert nxt[0]["count"] == 6
    assert "due for review" in nxt[0]["reason"]
    assert nxt[1]["skill_id"] == str(weak)
    assert nxt[1]["course_id"] == str(course)
    assert all(x["reason"] for x in nxt)


async def test_vacation_keeps_the_streak_and_bad_vacations_are_refused(harness: Any) -> None:
    s = await setting(harness)
    r = await harness.client.post(f"{API}/me/vacation", json={}, headers=s.learner.headers)
    assert r.status_code == 201
    assert (
        await harness.client.post(f"{API}/me/vacation", json={}, headers=s.learner.headers)
    ).status_code == 409
    home = (await harness.client.get(f"{API}/me", headers=s.learner.headers)).json()
    assert home["streak"]["on_vacation"] is True
    assert (await harness.client.delete(f"{API}/me/vacation", headers=s.learner.headers)).status_code == 204
    assert (await harness.client.delete(f"{API}/me/vacation", headers=s.learner.headers)).status_code == 404
    too_long = (date.today() + timedelta(days=90)).isoformat()
    r = await harness.client.post(f"{API}/me/vacation", json={"until": too_long}, headers=s.learner.headers)
    assert r.status_code == 422


async def test_custom_badges_by_mentors_are_earned_by_learners(harness: Any) -> None:
    s = await setting(harness)
    body = {
        "name": "Two Right",
        "description": "Answer two questions right",
        "counter": "answers_correct",
        "thresholds": [2],
    }
    assert (
        await harness.client.post(f"{API}/badges/custom", json=body, headers=s.learner.headers)
    ).status_code == 403
    bad = {**body, "thresholds": [5, 3]}
    assert (
        await harness.client.post(f"{API}/badges/custom", json=bad, headers=s.mentor.headers)
    ).status_code == 422
    unknown = {**body, "counter": "nope"}
    assert (
        await harness.client.post(f"{API}/badges/custom", json=unknown, headers=s.mentor.headers)
    ).status_code == 422
    r = await harness.client.post(f"{API}/badges/custom", json=body, headers=s.mentor.headers)
    assert r.status_code == 201, r.text
    key = r.json()["key"]
    now = datetime.now(UTC)
    await emit(
        harness, *(answer(s.org.id, s.learner.user_id, at=now - timedelta(minutes=3 - i)) for i in range(2))
    )
    async with harness.runtime.db.session(write=False) as session:
        keys = set(
            (
                await session.scalars(
                    select(EarnedBadge.badge_key).where(EarnedBadge.learner_id == s.learner.user_id)
                )
            ).all()
        )
    assert key in keys
    page = (await harness.client.get(f"{API}/me/badges", headers=s.learner.headers)).json()
    mine = next(b for b in page if b["key"] == key)
    assert mine["custom"]
    assert mine["tiers_earned"] == 1
    assert len(page) >= 29
    badge_id = r.json()["id"]
    assert (
        await harness.client.delete(f"{API}/badges/custom/{badge_id}", headers=s.mentor.headers)
    ).status_code == 204
    assert (
        await harness.client.delete(f"{API}/badges/custom/{badge_id}", headers=s.mentor.headers)
    ).status_code == 404
    assert (await harness.client.get(f"{API}/badges/custom", headers=s.learner.headers)).json() == []


async def test_lowering_the_goal_can_meet_it_at_once(harness: Any) -> None:
    s = await setting(harness)
    await emit(harness, answer(s.org.id, s.learner.user_id, at=datetime.now(UTC)))
    home = (await harness.client.get(f"{API}/me", headers=s.learner.headers)).json()
    assert home["daily_goal"]["met"] is False
    assert home["streak"]["current"] == 0
    r = await harness.client.patch(
        f"{API}/me/settings", json={"daily_goal_xp": 10}, headers=s.learner.headers
    )
    assert r.status_code == 200
    home = (await harness.client.get(f"{API}/me", headers=s.learner.headers)).json()
    assert home["daily_goal"]["met"] is True
    assert home["daily_goal"]["goal_xp"] == 10
    assert home["streak"]["current"] == 1
    assert home["level"]["xp_total"] == 30  # 15 for the answer + 15 for the goal
    # Raising it again does not take back a day that counted.
    await harness.client.patch(f"{API}/me/settings", json={"daily_goal_xp": 500}, headers=s.learner.headers)
    home = (await harness.client.get(f"{API}/me", headers=s.learner.headers)).json()
    assert home["daily_goal"]["met"] is True
