"""Request and response bodies of the content API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from starguide.content.exchange import Slug, Summary, Title
from starguide.content.questions import Key, Question, SkillSlug


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CourseCreate(_In):
    slug: Slug
    title: Title
    summary: Summary = ""
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    self_enrol: bool = True


class CourseUpdate(_In):
    title: Title | None = None
    summary: Summary | None = None
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    self_enrol: bool | None = None
    published: bool | None = None


class SkillIn(_In):
    slug: SkillSlug
    name: Title
    description: Summary = ""


class SkillRead(_Out):
    slug: str
    name: str
    description: str


class CourseRead(_Out):
    id: uuid.UUID
    slug: str
    title: str
    summary: str
    language: str
    published: bool
    self_enrol: bool
    created_at: datetime
    updated_at: datetime
    enrolled: bool = False


class ModuleCreate(_In):
    title: Title
    summary: Summary = ""
    position: int | None = Field(default=None, ge=0, le=10_000, description="default: last")


class ModuleUpdate(_In):
    title: Title | None = None
    summary: Summary | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)


class ModuleRead(_Out):
    id: uuid.UUID
    course_id: uuid.UUID
    title: str
    summary: str
    position: int


class LessonCreate(_In):
    slug: Slug
    title: Title
    body: str = Field(default="", max_length=100_000, description="Markdown")
    skills: list[SkillSlug] = Field(default_factory=list, max_length=20)
    estimated_minutes: int | None = Field(default=None, ge=1, le=600)
    published: bool = True
    position: int | None = Field(default=None, ge=0, le=10_000)


class LessonUpdate(_In):
    title: Title | None = None
    body: str | None = Field(default=None, max_length=100_000)
    skills: list[SkillSlug] | None = Field(default=None, max_length=20)
    estimated_minutes: int | None = Field(default=None, ge=1, le=600)
    published: bool | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)
    module_id: uuid.UUID | None = Field(default=None, description="move to another module of the course")


class MarkdownPreviewIn(_In):
    body: str = Field(max_length=100_000, description="Markdown")


class MarkdownPreview(BaseModel):
    html: str = Field(description="sanitised HTML, exactly as a lesson with this body would show it")


class LessonSummary(_Out):
    id: uuid.UUID
    module_id: uuid.UUID
    slug: str
    title: str
    skills: list[str]
    estimated_minutes: int | None
    published: bool
    position: int
    opened_at: datetime | None = None
    completed_at: datetime | None = None


class LessonRead(LessonSummary):
    course_id: uuid.UUID
    body: str
    body_html: str = Field(description="sanitised HTML rendered from `body`")


class OutlineModule(ModuleRead):
    lessons: list[LessonSummary]


class CourseOutline(BaseModel):
    course: CourseRead
    skills: list[SkillRead]
    modules: list[OutlineModule]
    lessons_total: int
    lessons_completed: int


class EnrolmentCreate(_In):
    user_id: uuid.UUID


class EnrolmentRead(_Out):
    course_id: uuid.UUID
    user_id: uuid.UUID
    enrolled_by_id: uuid.UUID | None
    created_at: datetime


class ProgressRead(_Out):
    lesson_id: uuid.UUID
    opened_at: datetime
    completed_at: datetime | None


class QuestionIn(_In):
    key: Key | None = Field(default=None, description="unique in the course; generated when missing")
    category: str | None = Field(default=None, max_length=200)
    question: Question


class QuestionRead(BaseModel):
    id: uuid.UUID
    course_id: uuid.UUID
    key: str
    category: str | None
    type: str
    difficulty: int
    skills: list[str]
    version: int
    archived: bool
    question: dict[str, Any]
    updated_at: datetime


class QuestionVersionRead(BaseModel):
    version: int
    created_at: datetime
    question: dict[str, Any]


class GiftImport(_In):
    source: str = Field(min_length=1, max_length=1_000_000, description="the GIFT file's text")


class GiftImportResult(BaseModel):
    created: int
    questions: list[QuestionRead]


class SearchHit(BaseModel):
    kind: str = Field(description="`lesson` or `question` (questions only for mentors)")
    id: uuid.UUID
    course_id: uuid.UUID
    title: str
    snippet: str = Field(description="HTML: escaped text with matches in <mark>")


class SearchResults(BaseModel):
    query: str
    hits: list[SearchHit]


class CourseImportResult(BaseModel):
    course: CourseRead
    modules: int
    lessons: int
    skills: int
    questions: int
    assessments: int
