"""Events delivered in one batch leave exactly the state that delivering them one by one leaves."""

from __future__ import annotations

import logging
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from starguide.kit.events import AttemptSubmitted, DomainEvent, LessonCompleted, MentorHelpGiven
from starguide.kit.outbox import OutboxEvent, record_event
from starguide.learning.models import (
    CompletedItem,
    CourseSkill,
    DailyActivity,
    EarnedBadge,
    ItemDifficulty,
    LearningCounter,
    LearningProfile,
    ReviewCard,
    SkillMastery,
    XPLedgerEntry,
)
from tests.learning.support import Setting, answer, setting

QUESTIONS = [uuid.UUID(int=i + 1) for i in range(6)]
COURSE = uuid.UUID(int=99)


def _events(s: Setting, start: datetime) -> list[DomainEvent]:
    """Three days of a learner's work: repeats, wrong answers, hints, mentor help, lessons, quizzes."""
    rng = random.Random(5)
    learner = s.learner.user_id
    events: list[DomainEvent] = []
    for day in range(3):
        at = start + timedelta(days=day)
        for i in range(14):
            at += timedelta(minutes=3)
            q = QUESTIONS[rng.randrange(len(QUESTIONS))]
            if i == 5:
                events.append(
                    MentorHelpGiven(
                        organisation_id=s.org.id, learner_id=learner, question_id=q, occurred_at=at
                    )
                )
                at += timedelta(minutes=1)
            if i == 11:  # help with two questions at once (explanations cited, quiz-me questions)
                events.append(
                    MentorHelpGiven(
                        organisation_id=s.org.id,
                        learner_id=learner,
                        question_ids=[q, QUESTIONS[(QUESTIONS.index(q) + 1) % len(QUESTIONS)]],
                        occurred_at=at,
                    )
                )
                at += timedelta(minutes=1)
            events.append(
                answer(
                    s.org.id,
                    learner,
                    at=at,
                    question_id=q,
                    correct=rng.random() < 0.75,
                    difficulty=rng.randint(1, 5),
                    skills=[f"skill-{QUESTIONS.index(q) % 3}"],
                    hints=1 if i == 9 else 0,
                    first_try=rng.random() < 0.8,
                    course_id=COURSE if i % 2 else None,
                    time_taken_seconds=rng.choice([4.0, 20.0]),
                )
            )
        lesson = uuid.UUID(int=500 + day % 2)  # the third day repeats the first lesson
        events.append(
            LessonCompleted(
                organisation_id=s.org.id, user_id=learner, lesson_id=lesson, course_id=COURSE, occurred_at=at
            )
        )
        events.append(
            AttemptSubmitted(
                organisation_id=s.org.id,
                user_id=learner,
                attempt_id=uuid.uuid4(),
                assessment_id=uuid.UUID(int=700),
                course_id=COURSE,
                mode="assessment",
                number=day + 1,
                score=1.0,
                passed=True,
                pending=0,
                question_count=5,
                auto_submitted=False,
                duration_seconds=60.0,
                occurred_at=at + timedelta(minutes=1),
            )
        )
    return events


async def _state(harness: Any, s: Setting, events: list[DomainEvent]) -> dict[str, Any]:
    """Everything the engine wrote for the learner, without ids and with events named by position."""
    position = {e.event_id: i for i, e in enumerate(events)}
    org, learner = s.org.id, s.learner.user_id
    async with harness.runtime.db.session(write=False) as session:

        async def rows(model: Any) -> list[Any]:
            stmt = select(model).where(model.organisation_id == org)
            if hasattr(model, "learner_id"):
                stmt = stmt.where(model.learner_id == learner)
            return list((await session.scalars(stmt)).all())

        profile = (await rows(LearningProfile))[0]
        course_skills = (
            await session.scalars(select(CourseSkill).where(CourseSkill.organisation_id == org))
        ).all()
        outbox = (await session.scalars(select(OutboxEvent).where(OutboxEvent.organisation_id == org))).all()
        return {
            "ledger": sorted(
                (position.get(r.source_event_id, -1), r.rule, r.amount, r.local_day)
                for r in await rows(XPLedgerEntry)
            ),
            "profile": (
                profile.xp_total,
                profile.level,
                profile.streak_current,
                profile.streak_longest,
                profile.streak_last_counted,
                profile.correct_run,
                profile.unassisted_run,
                profile.last_active_day,
                round(profile.ability_mean, 9),
                round(profile.ability_var, 9),
                profile.streak_settled_through,
                profile.streak_freezes,
                profile.streak_counted_since_freeze,
                profile.daily_goal_xp,
            ),
            "counters": sorted((r.key, r.value) for r in await rows(LearningCounter)),
            "days": sorted(
                (r.day, r.xp, r.answers, r.correct, r.goal_xp, r.goal_met, r.streak_outcome)
                for r in await rows(DailyActivity)
            ),
            "badges": sorted((r.badge_key, r.tier) for r in await rows(EarnedBadge)),
            "cards": sorted(
                (
                    r.question_id,
                    r.question_version,
                    r.course_id,
                    str(r.skill_ids),
                    r.difficulty,
                    r.state,
                    r.step,
                    None if r.stability is None else round(r.stability, 9),
                    None if r.fsrs_difficulty is None else round(r.fsrs_difficulty, 9),
                    r.due,
                    r.last_review,
                    r.reps,
                    r.lapses,
                    r.last_answered_at,
                    r.last_correct,
                    r.window_start,
                    r.window_count,
                )
                for r in await rows(ReviewCard)
            ),
            "completions": sorted(
                (r.kind, r.item_id, r.course_id, r.first_at, r.count) for r in await rows(CompletedItem)
            ),
            "course_skills": sorted((r.course_id, r.skill_id) for r in course_skills),
            "mastery": sorted(
                (
                    r.skill_id,
                    round(r.mean, 9),
                    round(r.var, 9),
                    r.attempts,
                    r.correct,
                    r.assisted_attempts,
                    r.assisted_correct,
                    r.mastered,
                    None if r.last_day is None else round(r.last_day, 9),
                    r.last_practised_at,
                )
                for r in await rows(SkillMastery)
            ),
            "items": sorted(
                (r.question_id, round(r.mean, 9), round(r.var, 9), r.answers)
                for r in await rows(ItemDifficulty)
            ),
            "out": sorted(
                (
                    r.event_type,
                    tuple(
                        sorted(
                            (k, str(v)) for k, v in r.payload.items() if k in ("level", "badge_key", "tier")
                        )
                    ),
                )
                for r in outbox
                if r.event_type in ("learning.level_reached", "learning.badge_earned")
            ),
        }


# All events in one batch (every row is new to it), and batches of 7 (rows made by earlier batches
# are loaded and updated by later ones).
@pytest.mark.parametrize("size", [200, 7])
async def test_a_batch_leaves_the_same_state_as_one_event_at_a_time(
    harness: Any, caplog: pytest.LogCaptureFixture, size: int
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=4)
    together, alone = await setting(harness), await setting(harness)
    batch_events, single_events = _events(together, start), _events(alone, start)

    caplog.set_level(logging.INFO, logger="starguide.outbox")
    dispatcher = harness.runtime.dispatcher
    dispatcher.batch = dispatcher.max_batch = size
    try:
        async with harness.runtime.db.session() as session:
            for e in batch_events:
                record_event(session, e)
        assert await harness.drain() >= len(batch_events)  # with the level and badge events it records
    finally:
        dispatcher.batch, dispatcher.max_batch = 200, 1000
    assert "batch delivery failed" not in caplog.text  # the set-wise path did the work

    dispatcher.batch = dispatcher.max_batch = 1  # one event a transaction: the handlers query as they go
    try:
        async with harness.runtime.db.session() as session:
            for e in single_events:
                record_event(session, e)
        assert await harness.drain() >= len(single_events)
    finally:
        dispatcher.batch, dispatcher.max_batch = 200, 1000

    batch_state = await _state(harness, together, batch_events)
    single_state = await _state(harness, alone, single_events)
    assert batch_state["ledger"], "the scenario pays XP"
    assert batch_state["badges"], "the scenario earns badges"
    for key in single_state:
        if key in ("cards", "mastery"):
            continue  # compared below, ids differ per organisation only in skills of no course
        assert batch_state[key] == single_state[key], key
    assert batch_state["cards"] == single_state["cards"]
    assert batch_state["mastery"] == single_state["mastery"]
