"""Tables of the learning engine: XP ledger, profiles, counters, badges, days, review cards, mastery."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from starguide.kit.models import Base, Timestamps, UUIDPrimaryKey
from starguide.kit.tenancy import TenantMixin
from starguide.kit.time import utcnow


def _learner_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("users.id", ondelete="CASCADE"))


class XPLedgerEntry(UUIDPrimaryKey, TenantMixin, Base):
    """One award, never updated or deleted: the truth behind XP totals and leaderboards."""

    __tablename__ = "xp_ledger"
    __table_args__ = (
        # The same source event never pays the same rule twice, whoever delivers it.
        UniqueConstraint("source_event_id", "rule"),
        Index("ix_xp_ledger_learner_day", "organisation_id", "learner_id", "local_day"),
        Index("ix_xp_ledger_org_earned", "organisation_id", "earned_at"),
    )

    learner_id: Mapped[uuid.UUID] = _learner_fk()
    source_event_id: Mapped[uuid.UUID]
    rule: Mapped[str] = mapped_column(String(40))
    amount: Mapped[int]
    course_id: Mapped[uuid.UUID | None]
    local_day: Mapped[date] = mapped_column(Date)
    earned_at: Mapped[datetime]


class LearningProfile(UUIDPrimaryKey, TenantMixin, Timestamps, Base):
    """A learner's progress in one organisation: totals, settings, streak and general ability."""

    __tablename__ = "learning_profiles"
    __table_args__ = (UniqueConstraint("organisation_id", "learner_id"),)

    learner_id: Mapped[uuid.UUID] = _learner_fk()
    xp_total: Mapped[int] = mapped_column(default=0)
    level: Mapped[int] = mapped_column(default=1)
    daily_goal_xp: Mapped[int] = mapped_column(default=50)
    desired_retention: Mapped[float] = mapped_column(Float, default=0.9)
    leaderboard_mode: Mapped[str] = mapped_column(String(20), default="visible")
    streak_current: Mapped[int] = mapped_column(default=0)
    streak_longest: Mapped[int] = mapped_column(default=0)
    streak_last_counted: Mapped[date | None] = mapped_column(Date)
    streak_settled_through: Mapped[date | None] = mapped_column(Date)
    streak_freezes: Mapped[int] = mapped_column(default=0)
    streak_counted_since_freeze: Mapped[int] = mapped_column(default=0)
    last_active_day: Mapped[date | None] = mapped_column(Date)
    correct_run: Mapped[int] = mapped_column(default=0)
    unassisted_run: Mapped[int] = mapped_column(default=0)
    ability_mean: Mapped[float] = mapped_column(Float, default=0.0)
    ability_var: Mapped[float] = mapped_column(Float, default=1.0)


class LearningCounter(TenantMixin, Base):
    """A named counter per learner (sums and bests) that badge criteria look at."""

    __tablename__ = "learning_counters"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    learner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class DailyActivity(TenantMixin, Base):
    """One local day of a learner: XP, answers, the goal of that day and whether it was met."""

    __tablename__ = "learning_days"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    learner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    xp: Mapped[int] = mapped_column(default=0)
    answers: Mapped[int] = mapped_column(default=0)
    correct: Mapped[int] = mapped_column(default=0)
    goal_xp: Mapped[int] = mapped_column(default=50)
    goal_met: Mapped[bool] = mapped_column(default=False)
    streak_outcome: Mapped[str | None] = mapped_column(String(12))  # counted | frozen | vacation | missed


class Vacation(UUIDPrimaryKey, TenantMixin, Base):
    __tablename__ = "learning_vacations"
    __table_args__ = (Index("ix_learning_vacations_learner", "organisation_id", "learner_id"),)

    learner_id: Mapped[uuid.UUID] = _learner_fk()
    start_day: Mapped[date] = mapped_column(Date)
    end_day: Mapped[date | None] = mapped_column(Date)


class EarnedBadge(UUIDPrimaryKey, TenantMixin, Base):
    __tablename__ = "learning_badges"
    __table_args__ = (
        UniqueConstraint("organisation_id", "learner_id", "badge_key", "tier"),
        Index("ix_learning_badges_learner", "organisation_id", "learner_id", "earned_at"),
    )

    learner_id: Mapped[uuid.UUID] = _learner_fk()
    badge_key: Mapped[str] = mapped_column(String(80))
    tier: Mapped[int]
    earned_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustomBadge(UUIDPrimaryKey, TenantMixin, Timestamps, Base):
    """A badge an organisation's mentors or admins defined on one of the engine's counters."""

    __tablename__ = "learning_custom_badges"

    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(300))
    counter: Mapped[str] = mapped_column(String(60))
    thresholds: Mapped[dict[str, Any]]  # {"values": [..]}: JSON object, so both databases store it alike
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True)


class ReviewCard(UUIDPrimaryKey, TenantMixin, Base):
    """A question the learner has answered, scheduled for review by FSRS."""

    __tablename__ = "review_cards"
    __table_args__ = (
        UniqueConstraint("organisation_id", "learner_id", "question_id"),
        Index("ix_review_cards_due", "organisation_id", "learner_id", "due"),
    )

    learner_id: Mapped[uuid.UUID] = _learner_fk()
    question_id: Mapped[uuid.UUID]
    question_version: Mapped[int] = mapped_column(default=1)
    course_id: Mapped[uuid.UUID | None]
    skill_ids: Mapped[dict[str, Any]]  # {"ids": [...]}
    difficulty: Mapped[float] = mapped_column(Float, default=0.5)
    state: Mapped[int]
    step: Mapped[int | None]
    stability: Mapped[float | None] = mapped_column(Float)
    fsrs_difficulty: Mapped[float | None] = mapped_column(Float)
    due: Mapped[datetime]
    last_review: Mapped[datetime | None]
    reps: Mapped[int] = mapped_column(default=0)
    lapses: Mapped[int] = mapped_column(default=0)
    last_answered_at: Mapped[datetime | None]
    last_correct: Mapped[bool | None]
    window_start: Mapped[datetime | None]  # start of the current repeat window (anti-farming)
    window_count: Mapped[int] = mapped_column(default=0)


class SkillMastery(TenantMixin, Base):
    """A learner's belief about one skill, and the assisted / unassisted tallies behind the crutch index."""

    __tablename__ = "skill_mastery"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    learner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    mean: Mapped[float] = mapped_column(Float, default=0.0)
    var: Mapped[float] = mapped_column(Float)
    last_day: Mapped[float | None] = mapped_column(Float)
    attempts: Mapped[int] = mapped_column(default=0)
    correct: Mapped[int] = mapped_column(default=0)
    assisted_attempts: Mapped[int] = mapped_column(default=0)
    assisted_correct: Mapped[int] = mapped_column(default=0)
    mastered: Mapped[bool] = mapped_column(default=False)
    last_practised_at: Mapped[datetime | None]


class ItemDifficulty(TenantMixin, Base):
    """A question's difficulty on the logit scale, learned from every learner of the organisation."""

    __tablename__ = "item_difficulty"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    mean: Mapped[float] = mapped_column(Float)
    var: Mapped[float] = mapped_column(Float)
    answers: Mapped[int] = mapped_column(default=0)


class CourseSkill(TenantMixin, Base):
    """Which skills a course exercises, as seen in graded answers (course mastery averages over them)."""

    __tablename__ = "learning_course_skills"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    skill_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class Assist(UUIDPrimaryKey, TenantMixin, Base):
    """The mentor helped with a question or skill at `at`: answers soon after are assisted evidence."""

    __tablename__ = "learning_assists"
    __table_args__ = (Index("ix_learning_assists_learner_at", "organisation_id", "learner_id", "at"),)

    learner_id: Mapped[uuid.UUID] = _learner_fk()
    question_id: Mapped[uuid.UUID | None]
    skill_ids: Mapped[dict[str, Any]]
    at: Mapped[datetime]


class CompletedItem(TenantMixin, Base):
    """Lessons completed and quizzes passed, so a repeat pays less (kind: lesson | quiz)."""

    __tablename__ = "learning_completions"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    learner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    item_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    course_id: Mapped[uuid.UUID | None]
    first_at: Mapped[datetime]
    count: Mapped[int] = mapped_column(default=1)
