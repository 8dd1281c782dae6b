"""Helpers for the learning tests: a learner in an organisation, events delivered through the outbox."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from starguide.kit.events import AnswerGraded, DomainEvent
from starguide.kit.outbox import record_event
from starguide.learning.models import LearningProfile, XPLedgerEntry
from tests.factories import Account, OrgFixture, add_member, create_org

API = "/api/v1/learning"


@dataclass
class Setting:
    harness: Any
    org: OrgFixture
    learner: Account
    mentor: Account


async def setting(harness: Any, *, learner_tz: str = "UTC", org_tz: str = "UTC") -> Setting:
    org = await create_org(harness.client, time_zone=org_tz)
    learner = await add_member(harness.client, org, "learner")
    mentor = await add_member(harness.client, org, "mentor")
    if learner_tz != "UTC":
        r = await harness.client.patch("/api/v1/me", json={"time_zone": learner_tz}, headers=learner.headers)
        assert r.status_code == 200, r.text
    return Setting(harness, org, learner, mentor)


async def teach(harness: Any, s: Setting) -> uuid.UUID:
    """The setting's mentor creates a course and enrols the learner: the mentor now teaches them."""
    client = harness.client
    r = await client.post(
        "/api/v1/courses",
        json={"slug": f"c-{uuid.uuid4().hex[:8]}", "title": "Course"},
        headers=s.mentor.headers,
    )
    assert r.status_code == 201, r.text
    course_id = uuid.UUID(r.json()["id"])
    r = await client.post(
        f"/api/v1/courses/{course_id}/enrolments",
        json={"user_id": str(s.learner.user_id)},
        headers=s.mentor.headers,
    )
    assert r.status_code in (200, 201), r.text
    return course_id


async def emit(harness: Any, *events: DomainEvent) -> None:
    async with harness.runtime.db.session() as session:
        for event in events:
            record_event(session, event)
    await harness.drain()


def answer(
    org_id: uuid.UUID,
    learner_id: uuid.UUID,
    *,
    at: datetime,
    question_id: uuid.UUID | None = None,
    correct: bool = True,
    difficulty: int = 3,
    skills: list[str] | None = None,
    hints: int = 0,
    first_try: bool = True,
    course_id: uuid.UUID | None = None,
    time_taken_seconds: float | None = 20.0,
    status: str = "graded",
) -> AnswerGraded:
    """A graded answer as the quizzes domain records it (difficulty 3 of 1..5 = 0.5 in the engine)."""
    return AnswerGraded(
        organisation_id=org_id,
        user_id=learner_id,
        attempt_id=uuid.uuid4(),
        assessment_id=uuid.uuid4(),
        course_id=course_id,
        question_id=question_id or uuid.uuid4(),
        question_version=1,
        question_type="single_choice",
        skills=skills if skills is not None else [f"skill-{uuid.uuid4().hex[:8]}"],
        difficulty=difficulty,
        status=status,
        score=1.0 if correct else 0.0,
        correct=correct,
        first_try=first_try,
        mode="practice",
        hints_shown=hints,
        time_taken_seconds=time_taken_seconds,
        occurred_at=at,
    )


async def ledger(harness: Any, learner_id: uuid.UUID) -> list[XPLedgerEntry]:
    async with harness.runtime.db.session(write=False) as session:
        return list(
            (
                await session.scalars(
                    select(XPLedgerEntry)
                    .where(XPLedgerEntry.learner_id == learner_id)
                    .order_by(XPLedgerEntry.earned_at, XPLedgerEntry.rule)
                )
            ).all()
        )


async def profile(harness: Any, org_id: uuid.UUID, learner_id: uuid.UUID) -> LearningProfile:
    async with harness.runtime.db.session(write=False) as session:
        row = await session.scalar(
            select(LearningProfile).where(
                LearningProfile.organisation_id == org_id, LearningProfile.learner_id == learner_id
            )
        )
        assert row is not None
        return row
