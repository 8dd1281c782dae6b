"""Domain events: typed payloads that connect domains through the outbox.

A service records an event with `outbox.record_event(session, event)` in the same transaction as
the change; subscribers receive it after commit. Add new events here, so every producer and
consumer shares one definition.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from starguide.kit.ids import uuid7
from starguide.kit.time import utcnow

EVENT_TYPES: dict[str, type[DomainEvent]] = {}


class DomainEvent(BaseModel):
    """Base of every event. `event_type` names it in the outbox; `event_id` makes delivery idempotent."""

    model_config = ConfigDict(frozen=True)
    event_type: ClassVar[str]

    event_id: uuid.UUID = Field(default_factory=uuid7)
    occurred_at: datetime = Field(default_factory=utcnow)
    organisation_id: uuid.UUID | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("event_type")
        if name:
            if name in EVENT_TYPES and EVENT_TYPES[name] is not cls:
                raise ValueError(f"event type {name!r} defined twice")
            EVENT_TYPES[name] = cls


def parse_event(event_type: str, payload: dict[str, Any]) -> DomainEvent:
    return EVENT_TYPES[event_type].model_validate(payload)


# ---- accounts and organisations -------------------------------------------------------------


class UserSignedUp(DomainEvent):
    event_type = "user.signed_up"
    user_id: uuid.UUID


class MemberJoined(DomainEvent):
    event_type = "org.member_joined"
    user_id: uuid.UUID
    role: str


class MemberRoleChanged(DomainEvent):
    event_type = "org.member_role_changed"
    user_id: uuid.UUID
    old_role: str
    new_role: str


class MemberRemoved(DomainEvent):
    event_type = "org.member_removed"
    user_id: uuid.UUID


# ---- content and quizzes --------------------------------------------------------------------


class LessonCompleted(DomainEvent):
    event_type = "content.lesson_completed"
    user_id: uuid.UUID
    course_id: uuid.UUID
    lesson_id: uuid.UUID
    skills: list[str] = Field(default_factory=list)


class AnswerGraded(DomainEvent):
    """A graded answer, with what the learning engine and analytics need to use it."""

    event_type = "quizzes.answer_graded"
    user_id: uuid.UUID
    attempt_id: uuid.UUID
    assessment_id: uuid.UUID
    course_id: uuid.UUID | None
    question_id: uuid.UUID
    question_version: int
    question_type: str
    skills: list[str]
    difficulty: int
    status: str  # "graded", or "pending" while a mentor has to grade it
    score: float
    correct: bool
    first_try: bool
    mode: str  # "practice" or "assessment"
    hints_shown: int
    time_taken_seconds: float | None
    graded_by_mentor: bool = False
    # Given with help the event's producer knows of (the mentor asked the question in its chat).
    assisted: bool = False


class AttemptSubmitted(DomainEvent):
    event_type = "quizzes.attempt_submitted"
    user_id: uuid.UUID
    attempt_id: uuid.UUID
    assessment_id: uuid.UUID
    course_id: uuid.UUID | None
    mode: str
    number: int
    score: float
    passed: bool | None  # None while answers wait for a mentor
    pending: int
    question_count: int
    auto_submitted: bool
    duration_seconds: float


# ---- mentor (consumed by learning) -----------------------------------------------------------


class MentorHelpGiven(DomainEvent):
    """The mentor helped a learner with questions or skills: answers soon after count as assisted."""

    event_type = "mentor.help_given"
    learner_id: uuid.UUID
    question_id: uuid.UUID | None = None
    skill_ids: list[uuid.UUID] = Field(default_factory=list)
    # More questions helped with in the same reply (explanations cited, practice questions asked).
    question_ids: list[uuid.UUID] = Field(default_factory=list)


# ---- learning --------------------------------------------------------------------------------


class LevelReached(DomainEvent):
    event_type = "learning.level_reached"
    learner_id: uuid.UUID
    level: int
    xp_total: int


class BadgeEarned(DomainEvent):
    event_type = "learning.badge_earned"
    learner_id: uuid.UUID
    badge_key: str
    tier: int
    name: str
