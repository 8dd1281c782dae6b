"""The JSON course format: a whole course (skills, modules, lessons, questions, assessments) in one file.

Versioned by `format` and `version`; documented in docs/content.md. `CourseDocument` validates a file
(bounds, unique keys, every reference resolves) and `dump_course` writes the canonical form: every
field present, in schema order, so import -> export gives back exactly the same document.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from starguide.content.questions import Key, Question, SkillSlug
from starguide.quizzes.policy import AssessmentPolicy

FORMAT: Literal["starguide.course"] = "starguide.course"
VERSION: Literal[1] = 1
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Summary = Annotated[str, StringConstraints(max_length=2000)]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class SkillDoc(_Doc):
    slug: SkillSlug
    name: Title
    description: Summary = ""


class LessonDoc(_Doc):
    slug: Slug
    title: Title
    body: str = Field(default="", max_length=100_000, description="Markdown")
    skills: list[SkillSlug] = Field(default_factory=list, max_length=20)
    estimated_minutes: int | None = Field(default=None, ge=1, le=600)
    published: bool = True


class ModuleDoc(_Doc):
    title: Title
    summary: Summary = ""
    lessons: list[LessonDoc] = Field(default_factory=list, max_length=100)


class QuestionDoc(_Doc):
    key: Key = Field(description="unique in the document; assessments refer to questions by key")
    category: str | None = Field(default=None, max_length=200)
    question: Question


class AssessmentDoc(_Doc):
    key: Key
    title: Title
    description: Summary = ""
    policy: AssessmentPolicy
    published: bool = True


class CourseDoc(_Doc):
    slug: Slug
    title: Title
    summary: Summary = ""
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    published: bool = True
    skills: list[SkillDoc] = Field(default_factory=list, max_length=200)
    modules: list[ModuleDoc] = Field(default_factory=list, max_length=50)
    questions: list[QuestionDoc] = Field(default_factory=list, max_length=2000)
    assessments: list[AssessmentDoc] = Field(default_factory=list, max_length=100)


class CourseDocument(_Doc):
    """A course file. Unknown fields are refused, so a typo never silently loses data."""

    format: Literal["starguide.course"] = FORMAT
    version: Literal[1] = VERSION
    course: CourseDoc

    @model_validator(mode="after")
    def _references(self) -> Self:
        errors = reference_errors(self.course)
        if errors:
            raise ValueError("; ".join(errors[:20]))
        return self


def _duplicates(values: list[str]) -> list[str]:
    return sorted(value for value, count in Counter(values).items() if count > 1)


def reference_errors(course: CourseDoc) -> list[str]:
    """Every duplicate key and dangling reference, as `path: message` lines."""
    errors: list[str] = []
    skills = {s.slug for s in course.skills}
    lessons = [(m, i, lesson) for m, mod in enumerate(course.modules) for i, lesson in enumerate(mod.lessons)]
    for what, values in (
        ("skill", [s.slug for s in course.skills]),
        ("lesson", [lesson.slug for _, _, lesson in lessons]),
        ("question", [q.key for q in course.questions]),
        ("assessment", [a.key for a in course.assessments]),
    ):
        errors += [f"{what} {dup!r} is defined twice" for dup in _duplicates(values)]
    for m, i, lesson in lessons:
        errors += [
            f"modules.{m}.lessons.{i}.skills: unknown skill {s!r}" for s in lesson.skills if s not in skills
        ]
    for n, entry in enumerate(course.questions):
        errors += [
            f"questions.{n}.question.skills: unknown skill {s!r}"
            for s in entry.question.skills
            if s not in skills
        ]
    keys = {q.key for q in course.questions}
    for n, assessment in enumerate(course.assessments):
        errors += [
            f"assessments.{n}.policy.questions: unknown question {k!r}"
            for k in assessment.policy.questions
            if k not in keys
        ]
        for d, draw in enumerate(assessment.policy.draws):
            errors += [
                f"assessments.{n}.policy.draws.{d}.skills: unknown skill {s!r}"
                for s in draw.skills
                if s not in skills
            ]
    return errors


def load_course(data: str | bytes | dict[str, Any]) -> CourseDocument:
    """Validate a course file (JSON text or already decoded); raises pydantic's `ValidationError`."""
    if isinstance(data, dict):
        return CourseDocument.model_validate(data)
    return CourseDocument.model_validate_json(data)


def dump_course(document: CourseDocument) -> dict[str, Any]:
    """The canonical JSON form: every field, in schema order."""
    return document.model_dump(mode="json")


def dumps_course(document: CourseDocument) -> str:
    """The canonical text: two-space indented JSON, UTF-8 characters kept, newline at the end."""
    return json.dumps(dump_course(document), indent=2, ensure_ascii=False) + "\n"
