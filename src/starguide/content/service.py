"""Courses, modules, lessons, skills, enrolment and lesson progress: the rules, not the HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Text, cast, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.auth.deps import Principal
from starguide.content import schemas
from starguide.content.models import Course, Enrolment, Lesson, LessonProgress, Module, Skill
from starguide.content.render import render_markdown
from starguide.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from starguide.kit.events import LessonCompleted
from starguide.kit.outbox import record_event
from starguide.kit.pagination import PageParams, paginate
from starguide.kit.tenancy import scoped
from starguide.kit.time import Clock
from starguide.orgs.models import Membership


def _org(principal: Principal) -> uuid.UUID:
    assert principal.organisation_id is not None  # MemberDep guarantees it
    return principal.organisation_id


async def is_enrolled(session: AsyncSession, user_id: uuid.UUID, course_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(Enrolment.id).where(Enrolment.course_id == course_id, Enrolment.user_id == user_id)
    )
    return found is not None


async def enrolled_course_ids(session: AsyncSession, principal: Principal) -> list[uuid.UUID]:
    rows = await session.scalars(
        scoped(select(Enrolment.course_id), Enrolment, _org(principal)).where(
            Enrolment.user_id == principal.user_id
        )
    )
    return list(rows)


async def access_course(
    session: AsyncSession, principal: Principal, course_id: uuid.UUID, *, content: bool = False
) -> Course:
    """The course if this member may see it: mentors any; learners published ones, and with
    `content` (lessons, outline) only those they are enrolled in. Otherwise 404 (or 403 to enrol)."""
    course = await session.scalar(
        scoped(select(Course), Course, _org(principal)).where(Course.id == course_id)
    )
    if course is None or (not principal.is_mentor and not course.published):
        raise NotFound("No such course.")
    if content and not principal.is_mentor and not await is_enrolled(session, principal.user_id, course.id):
        raise Forbidden("Enrol in this course to see its lessons.")
    return course


async def _check_slug_free(session: AsyncSession, org: uuid.UUID, slug: str) -> None:
    taken = await session.scalar(scoped(select(Course.id), Course, org).where(Course.slug == slug))
    if taken is not None:
        raise Conflict(f"A course with the slug {slug!r} already exists.")


# ---- courses ------------------------------------------------------------------------------------


async def do_create_course(
    session: AsyncSession, principal: Principal, data: schemas.CourseCreate
) -> schemas.CourseRead:
    org = _org(principal)
    await _check_slug_free(session, org, data.slug)
    course = Course(organisation_id=org, created_by_id=principal.user_id, **data.model_dump())
    session.add(course)
    await session.flush()
    return schemas.CourseRead.model_validate(course)


async def list_courses(
    session: AsyncSession, principal: Principal, params: PageParams
) -> tuple[list[schemas.CourseRead], int]:
    stmt = scoped(select(Course), Course, _org(principal)).order_by(Course.title, Course.id)
    if not principal.is_mentor:
        stmt = stmt.where(Course.published)
    courses, total = await paginate(session, stmt, params)
    mine = set(await enrolled_course_ids(session, principal))
    out = [
        schemas.CourseRead.model_validate(c).model_copy(update={"enrolled": c.id in mine}) for c in courses
    ]
    return out, total


async def get_course(session: AsyncSession, principal: Principal, course_id: uuid.UUID) -> schemas.CourseRead:
    course = await access_course(session, principal, course_id)
    enrolled = await is_enrolled(session, principal.user_id, course.id)
    return schemas.CourseRead.model_validate(course).model_copy(update={"enrolled": enrolled})


async def _sync_searchable(session: AsyncSession, course: Course) -> None:
    await session.execute(
        update(Lesson)
        .where(Lesson.course_id == course.id)
        .values(searchable=Lesson.published & course.published)
        .execution_options(synchronize_session=False)
    )


async def do_update_course(
    session: AsyncSession, principal: Principal, course_id: uuid.UUID, data: schemas.CourseUpdate
) -> schemas.CourseRead:
    course = await access_course(session, principal, course_id)
    changes = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is None:
            raise InvalidInput(f"{field} cannot be null.")
        setattr(course, field, value)
    await session.flush()
    if "published" in changes:
        await _sync_searchable(session, course)
    return await get_course(session, principal, course_id)


async def do_delete_course(session: AsyncSession, principal: Principal, course_id: uuid.UUID) -> None:
    course = await access_course(session, principal, course_id)
    await session.delete(course)


async def list_skills(session: AsyncSession, course: Course) -> list[schemas.SkillRead]:
    rows = await session.scalars(
        select(Skill).where(Skill.course_id == course.id).order_by(Skill.position, Skill.slug)
    )
    return [schemas.SkillRead.model_validate(s) for s in rows]


async def do_replace_skills(
    session: AsyncSession, principal: Principal, course_id: uuid.UUID, skills: Sequence[schemas.SkillIn]
) -> list[schemas.SkillRead]:
    course = await access_course(session, principal, course_id)
    slugs = [s.slug for s in skills]
    if len(set(slugs)) != len(slugs):
        raise InvalidInput("A skill slug is listed twice.")
    existing = {s.slug: s for s in await session.scalars(select(Skill).where(Skill.course_id == course.id))}
    for slug, skill in existing.items():
        if slug not in slugs:
            await _check_skill_unused(session, course, slug)
            await session.delete(skill)
    for position, item in enumerate(skills):
        row = existing.get(item.slug)
        if row is None:
            row = Skill(organisation_id=course.organisation_id, course_id=course.id, slug=item.slug)
            session.add(row)
        row.name, row.description, row.position = item.name, item.description, position
    await session.flush()
    return await list_skills(session, course)


async def _check_skill_unused(session: AsyncSession, course: Course, slug: str) -> None:
    from starguide.content.models import Question
    from starguide.quizzes.models import Assessment

    pattern = f'%"{slug}"%'
    for model, column in (
        (Lesson, Lesson.skills),
        (Question, Question.skills),
        (Assessment, Assessment.policy),
    ):
        used = await session.scalar(
            select(func.count()).where(model.course_id == course.id, cast(column, Text).like(pattern))
        )
        if used:
            raise Conflict(f"The skill {slug!r} is still used by the course's {model.__tablename__}.")


async def _check_skills(session: AsyncSession, course: Course, skills: Sequence[str]) -> None:
    if not skills:
        return
    known = set(await session.scalars(select(Skill.slug).where(Skill.course_id == course.id)))
    unknown = [s for s in skills if s not in known]
    if unknown:
        raise InvalidInput(f"Unknown skill {unknown[0]!r}; add it to the course's skills first.")


# ---- modules ------------------------------------------------------------------------------------


async def access_module(session: AsyncSession, principal: Principal, module_id: uuid.UUID) -> Module:
    module = await session.scalar(
        scoped(select(Module), Module, _org(principal)).where(Module.id == module_id)
    )
    if module is None:
        raise NotFound("No such module.")
    return module


async def _append_position(session: AsyncSession, column: Any, where: Any) -> int:
    last = await session.scalar(select(func.max(column)).where(where))
    return 0 if last is None else int(last) + 1


async def do_create_module(
    session: AsyncSession, principal: Principal, course_id: uuid.UUID, data: schemas.ModuleCreate
) -> schemas.ModuleRead:
    course = await access_course(session, principal, course_id)
    position = data.position
    if position is None:
        position = await _append_position(session, Module.position, Module.course_id == course.id)
    module = Module(
        organisation_id=course.organisation_id,
        course_id=course.id,
        title=data.title,
        summary=data.summary,
        position=position,
    )
    session.add(module)
    await session.flush()
    return schemas.ModuleRead.model_validate(module)


async def do_update_module(
    session: AsyncSession, principal: Principal, module_id: uuid.UUID, data: schemas.ModuleUpdate
) -> schemas.ModuleRead:
    module = await access_module(session, principal, module_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        if value is None:
            raise InvalidInput(f"{field} cannot be null.")
        setattr(module, field, value)
    await session.flush()
    return schemas.ModuleRead.model_validate(module)


async def do_delete_module(session: AsyncSession, principal: Principal, module_id: uuid.UUID) -> None:
    await session.delete(await access_module(session, principal, module_id))


# ---- lessons ------------------------------------------------------------------------------------


async def do_create_lesson(
    session: AsyncSession, principal: Principal, module_id: uuid.UUID, data: schemas.LessonCreate
) -> schemas.LessonRead:
    module = await access_module(session, principal, module_id)
    course = await access_course(session, principal, module.course_id)
    await _check_skills(session, course, data.skills)
    taken = await session.scalar(
        select(Lesson.id).where(Lesson.course_id == course.id, Lesson.slug == data.slug)
    )
    if taken is not None:
        raise Conflict(f"The course already has a lesson with the slug {data.slug!r}.")
    position = data.position
    if position is None:
        position = await _append_position(session, Lesson.position, Lesson.module_id == module.id)
    lesson = Lesson(
        organisation_id=course.organisation_id,
        course_id=course.id,
        module_id=module.id,
        slug=data.slug,
        title=data.title,
        body=data.body,
        body_html=render_markdown(data.body),
        skills=list(data.skills),
        estimated_minutes=data.estimated_minutes,
        published=data.published,
        position=position,
        searchable=data.published and course.published,
    )
    session.add(lesson)
    await session.flush()
    return schemas.LessonRead.model_validate(lesson)


async def access_lesson(session: AsyncSession, principal: Principal, lesson_id: uuid.UUID) -> Lesson:
    lesson = await session.scalar(
        scoped(select(Lesson), Lesson, _org(principal)).where(Lesson.id == lesson_id)
    )
    if lesson is None or (not principal.is_mentor and not lesson.published):
        raise NotFound("No such lesson.")
    await access_course(session, principal, lesson.course_id, content=True)
    return lesson


async def get_lesson(session: AsyncSession, principal: Principal, lesson_id: uuid.UUID) -> schemas.LessonRead:
    lesson = await access_lesson(session, principal, lesson_id)
    progress = await session.scalar(
        select(LessonProgress).where(
            LessonProgress.lesson_id == lesson.id, LessonProgress.user_id == principal.user_id
        )
    )
    read = schemas.LessonRead.model_validate(lesson)
    if progress:
        read = read.model_copy(
            update={"opened_at": progress.opened_at, "completed_at": progress.completed_at}
        )
    return read


async def do_update_lesson(
    session: AsyncSession, principal: Principal, lesson_id: uuid.UUID, data: schemas.LessonUpdate
) -> schemas.LessonRead:
    lesson = await access_lesson(session, principal, lesson_id)
    course = await access_course(session, principal, lesson.course_id)
    changes = data.model_dump(exclude_unset=True)
    if "module_id" in changes:
        target = await access_module(session, principal, changes.pop("module_id"))
        if target.course_id != lesson.course_id:
            raise InvalidInput("A lesson can only move to a module of its own course.")
        lesson.module_id = target.id
    if "skills" in changes:
        await _check_skills(session, course, changes["skills"] or [])
    for field, value in changes.items():
        if value is None and field != "estimated_minutes":
            raise InvalidInput(f"{field} cannot be null.")
        setattr(lesson, field, value)
    if "body" in changes:
        lesson.body_html = render_markdown(lesson.body)
    lesson.searchable = lesson.published and course.published
    await session.flush()
    return schemas.LessonRead.model_validate(lesson)


async def do_delete_lesson(session: AsyncSession, principal: Principal, lesson_id: uuid.UUID) -> None:
    await session.delete(await access_lesson(session, principal, lesson_id))


async def get_outline(
    session: AsyncSession, principal: Principal, course_id: uuid.UUID
) -> schemas.CourseOutline:
    course = await access_course(session, principal, course_id, content=True)
    modules = list(
        await session.scalars(
            select(Module).where(Module.course_id == course.id).order_by(Module.position, Module.created_at)
        )
    )
    lesson_stmt = (
        select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position, Lesson.created_at)
    )
    if not principal.is_mentor:
        lesson_stmt = lesson_stmt.where(Lesson.published)
    lessons = list(await session.scalars(lesson_stmt))
    progress = {
        p.lesson_id: p
        for p in await session.scalars(
            select(LessonProgress).where(
                LessonProgress.course_id == course.id, LessonProgress.user_id == principal.user_id
            )
        )
    }
    by_module: dict[uuid.UUID, list[schemas.LessonSummary]] = {m.id: [] for m in modules}
    for lesson in lessons:
        summary = schemas.LessonSummary.model_validate(lesson)
        if p := progress.get(lesson.id):
            summary = summary.model_copy(update={"opened_at": p.opened_at, "completed_at": p.completed_at})
        by_module.setdefault(lesson.module_id, []).append(summary)
    enrolled = await is_enrolled(session, principal.user_id, course.id)
    return schemas.CourseOutline(
        course=schemas.CourseRead.model_validate(course).model_copy(update={"enrolled": enrolled}),
        skills=await list_skills(session, course),
        modules=[
            schemas.OutlineModule(
                **schemas.ModuleRead.model_validate(m).model_dump(), lessons=by_module[m.id]
            )
            for m in modules
        ],
        lessons_total=len(lessons),
        lessons_completed=sum(1 for lesson in lessons if (p := progress.get(lesson.id)) and p.completed_at),
    )


# ---- enrolment ----------------------------------------------------------------------------------


async def _enrol(
    session: AsyncSession, course: Course, user_id: uuid.UUID, by: uuid.UUID | None
) -> Enrolment:
    existing = await session.scalar(
        select(Enrolment).where(Enrolment.course_id == course.id, Enrolment.user_id == user_id)
    )
    if existing is not None:
        return existing
    enrolment = Enrolment(
        organisation_id=course.organisation_id, course_id=course.id, user_id=user_id, enrolled_by_id=by
    )
    try:
        async with session.begin_nested():
            session.add(enrolment)
    except IntegrityError:  # enrolled by a concurrent request a moment ago
        return await _enrol(session, course, user_id, by)
    return enrolment


async def do_enrol_self(
    session: AsyncSession, principal: Principal, course_id: uuid.UUID
) -> schemas.EnrolmentRead:
    course = await access_course(session, principal, course_id)
    if not principal.is_mentor and not course.self_enrol:
        raise Forbidden("This course takes enrolments from mentors only.")
    return schemas.EnrolmentRead.model_validate(await _enrol(session, course, principal.user_id, None))


async def do_enrol_member(
    session: AsyncSession, principal: Principal, course_id: uuid.UUID, user_id: uuid.UUID
) -> schemas.EnrolmentRead:
    course = await access_course(session, principal, course_id)
    member = await session.scalar(
        scoped(select(Membership.id), Membership, course.organisation_id).where(Membership.user_id == user_id)
    )
    if member is None:
        raise NotFound("No such member in this organisation.")
    return schemas.EnrolmentRead.model_validate(await _enrol(session, course, user_id, principal.user_id))


async def list_enrolments(
    session: AsyncSession, principal: Principal, course_id: uuid.UUID, params: PageParams
) -> tuple[list[schemas.EnrolmentRead], int]:
    course = await access_course(session, principal, course_id)
    stmt = (
        select(Enrolment).where(Enrolment.course_id == course.id).order_by(Enrolment.created_at, Enrolment.id)
    )
    rows, total = await paginate(session, stmt, params)
    return [schemas.EnrolmentRead.model_validate(r) for r in rows], total


async def do_unenrol(
    session: AsyncSession, principal: Principal, course_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    course = await access_course(session, principal, course_id)
    if not principal.is_mentor and user_id != principal.user_id:
        raise NotFound("No such enrolment.")
    result = await session.execute(
        delete(Enrolment).where(Enrolment.course_id == course.id, Enrolment.user_id == user_id)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("No such enrolment.")


# ---- progress -----------------------------------------------------------------------------------


async def _progress_row(
    session: AsyncSession, lesson: Lesson, user_id: uuid.UUID, clock: Clock
) -> LessonProgress:
    row = await session.scalar(
        select(LessonProgress).where(LessonProgress.lesson_id == lesson.id, LessonProgress.user_id == user_id)
    )
    if row is None:
        row = LessonProgress(
            organisation_id=lesson.organisation_id,
            lesson_id=lesson.id,
            course_id=lesson.course_id,
            user_id=user_id,
            opened_at=clock(),
        )
        try:
            async with session.begin_nested():
                session.add(row)
        except IntegrityError:  # opened by a concurrent request a moment ago
            return await _progress_row(session, lesson, user_id, clock)
    return row


async def do_open_lesson(
    session: AsyncSession, principal: Principal, lesson_id: uuid.UUID, clock: Clock
) -> schemas.ProgressRead:
    lesson = await access_lesson(session, principal, lesson_id)
    return schemas.ProgressRead.model_validate(await _progress_row(session, lesson, principal.user_id, clock))


async def do_complete_lesson(
    session: AsyncSession, principal: Principal, lesson_id: uuid.UUID, clock: Clock
) -> schemas.ProgressRead:
    """Marks the lesson completed; `LessonCompleted` is recorded the first time only."""
    lesson = await access_lesson(session, principal, lesson_id)
    row = await _progress_row(session, lesson, principal.user_id, clock)
    if row.completed_at is None:
        row.completed_at = clock()
        record_event(
            session,
            LessonCompleted(
                organisation_id=lesson.organisation_id,
                occurred_at=row.completed_at,
                user_id=principal.user_id,
                course_id=lesson.course_id,
                lesson_id=lesson.id,
                skills=list(lesson.skills),
            ),
        )
        await session.flush()
    return schemas.ProgressRead.model_validate(row)
