"""Tables of assessments, attempts and the answers saved in them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from starguide.kit.models import Base, Timestamps, UUIDPrimaryKey
from starguide.kit.tenancy import TenantMixin


class Assessment(UUIDPrimaryKey, Timestamps, TenantMixin, Base):
    """A quiz or exam; `course_id` None assigns it to the whole organisation."""

    __tablename__ = "assessments"
    __table_args__ = (Index("ix_assessments_org_course", "organisation_id", "course_id"),)

    course_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    key: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    policy: Mapped[dict[str, Any]]
    published: Mapped[bool] = mapped_column(default=False)
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Attempt(UUIDPrimaryKey, TenantMixin, Base):
    """One learner's go at an assessment; its questions (and versions) are fixed when it starts."""

    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("assessment_id", "user_id", "number"),
        Index("ix_attempts_open_deadline", "status", "deadline_at"),
    )

    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    number: Mapped[int]
    mode: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="in_progress")
    # [{"question_id", "version", "choice_order"?}] in the order shown to the learner.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    started_at: Mapped[datetime]
    last_activity_at: Mapped[datetime]
    deadline_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    auto_submitted: Mapped[bool] = mapped_column(default=False)
    score: Mapped[float | None]
    pending: Mapped[int] = mapped_column(default=0)
    passed: Mapped[bool | None]


class AttemptAnswer(UUIDPrimaryKey, TenantMixin, Base):
    """The learner's answer to one question of an attempt: one row per question, saved over."""

    __tablename__ = "attempt_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    attempt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    question_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    question_version: Mapped[int]
    answer: Mapped[dict[str, Any]]
    score: Mapped[float] = mapped_column(default=0.0)
    status: Mapped[str] = mapped_column(String(20), default="graded")
    answered: Mapped[bool] = mapped_column(default=True)
    tries: Mapped[int] = mapped_column(default=1)
    hints_shown: Mapped[int] = mapped_column(default=0)
    time_taken_seconds: Mapped[float | None]
    first_saved_at: Mapped[datetime | None]
    saved_at: Mapped[datetime]
    graded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    mentor_feedback: Mapped[str | None] = mapped_column(Text)


class AIGrade(UUIDPrimaryKey, TenantMixin, Base):
    """The `grader` model's grade of one free-text answer, with its reasons, for the mentor to review."""

    __tablename__ = "ai_grades"
    __table_args__ = (
        UniqueConstraint("attempt_id", "question_id"),
        Index("ix_ai_grades_status_available", "status", "available_at"),
    )

    attempt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    question_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # queued | graded | failed (malformed reply, or no model after retries) | unavailable (no model
    # configured: the mentor grades) | skipped (a mentor graded first) | overridden (by a mentor)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    score: Mapped[float | None]
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(String(300))
    tries: Mapped[int] = mapped_column(default=0)
    available_at: Mapped[datetime]
    usage_id: Mapped[uuid.UUID | None]
    deployment: Mapped[str | None] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(200))
    cost_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime]
    graded_at: Mapped[datetime | None]
    overridden_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    overridden_at: Mapped[datetime | None]
    override_score: Mapped[float | None]
