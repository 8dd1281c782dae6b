"""Names and next lessons from the content tables, so progress screens can label and link what they show."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.content.models import Course, Enrolment, Lesson, LessonProgress, Module, Skill
from starguide.learning.queries import tenant


@dataclass(frozen=True)
class SkillInfo:
    name: str
    slug: str
    course_id: uuid.UUID


@dataclass(frozen=True)
class LessonLink:
    lesson_id: uuid.UUID
    title: str
    course_id: uuid.UUID
    course_title: str


async def skill_infos(
    session: AsyncSession, org_id: uuid.UUID, skill_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, SkillInfo]:
    """The content domain's skills among `skill_ids` (stand-in ids of unknown skills are left out)."""
    ids = list(set(skill_ids))
    if not ids:
        return {}
    rows = await session.execute(
        tenant(select(Skill.id, Skill.name, Skill.slug, Skill.course_id), Skill, org_id).where(
            Skill.id.in_(ids)
        )
    )
    return {r.id: SkillInfo(r.name, r.slug, r.course_id) for r in rows}


async def course_titles(
    session: AsyncSession, org_id: uuid.UUID, course_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    ids = list(set(course_ids))
    if not ids:
        return {}
    rows = await session.execute(
        tenant(select(Course.id, Course.title), Course, org_id).where(Course.id.in_(ids))
    )
    return {r.id: r.title for r in rows}


async def _open_lessons(
    session: AsyncSession, org_id: uuid.UUID, learner_id: uuid.UUID, course_ids: list[uuid.UUID] | None
) -> list[tuple[LessonLink, list[str]]]:
    """Published lessons the learner has not completed, in course order, with their skill slugs.

    `course_ids` None means the courses the learner is enrolled in (oldest enrolment first)."""
    completed = (
        select(LessonProgress.lesson_id)
        .where(
            LessonProgress.organisation_id == org_id,
            LessonProgress.user_id == learner_id,
            LessonProgress.completed_at.is_not(None),
        )
        .scalar_subquery()
    )
    stmt = (
        tenant(
            select(
                Lesson.id, Lesson.title, Lesson.skills, Course.id.label("course_id"), Course.title.label("ct")
            ),
            Lesson,
            org_id,
        )
        .join(Module, Module.id == Lesson.module_id)
        .join(Course, Course.id == Lesson.course_id)
        .where(Lesson.published, Course.published, Lesson.id.not_in(completed))
    )
    if course_ids is None:
        stmt = stmt.join(
            Enrolment, (Enrolment.course_id == Course.id) & (Enrolment.user_id == learner_id)
        ).order_by(Enrolment.created_at, Course.id, Module.position, Lesson.position, Lesson.id)
    else:
        stmt = stmt.where(Course.id.in_(course_ids)).order_by(Module.position, Lesson.position, Lesson.id)
    rows = (await session.execute(stmt.limit(200))).all()
    return [(LessonLink(r.id, r.title, r.course_id, r.ct), list(r.skills or [])) for r in rows]


async def lesson_for_skill(
    session: AsyncSession, org_id: uuid.UUID, learner_id: uuid.UUID, skill: SkillInfo
) -> LessonLink | None:
    """The first lesson of the skill's course that teaches it and the learner has not completed."""
    for link, slugs in await _open_lessons(session, org_id, learner_id, [skill.course_id]):
        if skill.slug in slugs:
            return link
    return None


async def next_new_lesson(
    session: AsyncSession, org_id: uuid.UUID, learner_id: uuid.UUID, *, besides: uuid.UUID | None = None
) -> LessonLink | None:
    """The first lesson not yet completed in the courses the learner is enrolled in, other than `besides`
    (a lesson already suggested), unless it is the only one left."""
    lessons = [link for link, _ in await _open_lessons(session, org_id, learner_id, None)]
    others = [link for link in lessons if link.lesson_id != besides]
    pick = others or lessons
    return pick[0] if pick else None
