"""Tables of courses, modules, lessons, skills, enrolments, lesson progress and the question bank."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from starguide.kit.models import Base, Timestamps, UUIDPrimaryKey
from starguide.kit.tenancy import TenantMixin
from starguide.kit.time import utcnow

# Full-text search lives outside the mapped columns, created by the migration: on PostgreSQL a
# generated `search_vector` tsvector column with a GIN index, on SQLite FTS5 tables kept in sync by
# triggers (see `starguide.content.search`).
StrList = JSON


class Course(UUIDPrimaryKey, Timestamps, TenantMixin, Base):
    __tablename__ = "courses"
    __table_args__ = (UniqueConstraint("organisation_id", "slug"),)

    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(20), default="en")
    published: Mapped[bool] = mapped_column(default=False)
    self_enrol: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Skill(UUIDPrimaryKey, TenantMixin, Base):
    __tablename__ = "skills"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)


class Module(UUIDPrimaryKey, Timestamps, TenantMixin, Base):
    __tablename__ = "course_modules"
    __table_args__ = (Index("ix_course_modules_course_position", "course_id", "position"),)

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)


class Lesson(UUIDPrimaryKey, Timestamps, TenantMixin, Base):
    __tablename__ = "lessons"
    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        Index("ix_lessons_module_position", "module_id", "position"),
    )

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    module_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("course_modules.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    skills: Mapped[list[str]] = mapped_column(StrList, default=list)
    estimated_minutes: Mapped[int | None]
    published: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    # Searchable only when both the lesson and its course are published (kept by the service).
    searchable: Mapped[bool] = mapped_column(default=False)


class Enrolment(UUIDPrimaryKey, TenantMixin, Base):
    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("course_id", "user_id"),
        Index("ix_enrolments_user_id", "user_id"),
    )

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    enrolled_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LessonProgress(UUIDPrimaryKey, TenantMixin, Base):
    __tablename__ = "lesson_progress"
    __table_args__ = (
        UniqueConstraint("lesson_id", "user_id"),
        Index("ix_lesson_progress_user_course", "user_id", "course_id"),
    )

    lesson_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class Question(UUIDPrimaryKey, Timestamps, TenantMixin, Base):
    """A question of a course's bank; its content lives in versions, the newest being `version`."""

    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("course_id", "key"),
        Index("ix_questions_course_type", "course_id", "type"),
    )

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(30))
    difficulty: Mapped[int] = mapped_column(default=2)
    skills: Mapped[list[str]] = mapped_column(StrList, default=list)
    version: Mapped[int] = mapped_column(default=1)
    archived: Mapped[bool] = mapped_column(default=False)
    search_text: Mapped[str] = mapped_column(Text, default="")


class QuestionVersion(UUIDPrimaryKey, TenantMixin, Base):
    """One immutable state of a question: attempts point here, so editing never changes a past grade."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "version"),)

    question_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    version: Mapped[int]
    body: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
