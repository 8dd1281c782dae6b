"""Import and export of whole courses in the JSON course format (see `starguide.content.exchange`)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.content import schemas
from starguide.content.bank import add_question, parse_spec
from starguide.content.exchange import (
    AssessmentDoc,
    CourseDoc,
    CourseDocument,
    LessonDoc,
    ModuleDoc,
    QuestionDoc,
    SkillDoc,
)
from starguide.content.models import Course, Lesson, Module, Question, QuestionVersion, Skill
from starguide.content.render import render_markdown
from starguide.kit.errors import Conflict
from starguide.quizzes.models import Assessment
from starguide.quizzes.policy import AssessmentPolicy


async def import_course(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    document: CourseDocument,
    *,
    author: uuid.UUID | None,
    slug: str | None = None,
) -> tuple[Course, schemas.CourseImportResult]:
    """Create the course with everything in it. Questions are referred to by key in the file and
    by id in the database: assessments are rewritten on the way in and out."""
    doc = document.course
    slug = slug or doc.slug
    taken = await session.scalar(
        select(Course.id).where(Course.organisation_id == organisation_id, Course.slug == slug)
    )
    if taken is not None:
        raise Conflict(f"A course with the slug {slug!r} already exists; import it under another slug.")
    course = Course(
        organisation_id=organisation_id,
        slug=slug,
        title=doc.title,
        summary=doc.summary,
        language=doc.language,
        published=doc.published,
        self_enrol=True,
        created_by_id=author,
    )
    session.add(course)
    await session.flush()
    for position, skill in enumerate(doc.skills):
        session.add(
            Skill(
                organisation_id=organisation_id,
                course_id=course.id,
                slug=skill.slug,
                name=skill.name,
                description=skill.description,
                position=position,
            )
        )
    lessons = 0
    for m_position, mod in enumerate(doc.modules):
        module = Module(
            organisation_id=organisation_id,
            course_id=course.id,
            title=mod.title,
            summary=mod.summary,
            position=m_position,
        )
        session.add(module)
        await session.flush()
        for l_position, item in enumerate(mod.lessons):
            lessons += 1
            session.add(
                Lesson(
                    organisation_id=organisation_id,
                    course_id=course.id,
                    module_id=module.id,
                    slug=item.slug,
                    title=item.title,
                    body=item.body,
                    body_html=render_markdown(item.body),
                    skills=list(item.skills),
                    estimated_minutes=item.estimated_minutes,
                    published=item.published,
                    position=l_position,
                    searchable=item.published and doc.published,
                )
            )
    ids: dict[str, uuid.UUID] = {}
    for entry in doc.questions:
        question, _ = await add_question(
            session,
            course,
            entry.question,
            key=entry.key,
            category=entry.category,
            author=author,
            check_skills=False,
        )
        ids[entry.key] = question.id
    for entry_a in doc.assessments:
        policy = entry_a.policy.model_copy(
            update={"questions": [str(ids[k]) for k in entry_a.policy.questions]}
        )
        session.add(
            Assessment(
                organisation_id=organisation_id,
                course_id=course.id,
                key=entry_a.key,
                title=entry_a.title,
                description=entry_a.description,
                policy=policy.model_dump(mode="json"),
                published=entry_a.published,
                created_by_id=author,
            )
        )
    await session.flush()
    return course, schemas.CourseImportResult(
        course=schemas.CourseRead.model_validate(course),
        modules=len(doc.modules),
        lessons=lessons,
        skills=len(doc.skills),
        questions=len(doc.questions),
        assessments=len(doc.assessments),
    )


async def export_course(session: AsyncSession, course: Course) -> CourseDocument:
    """The course in the JSON format: the current version of each question, archived ones left out."""
    skills = await session.scalars(select(Skill).where(Skill.course_id == course.id).order_by(Skill.position))
    modules = list(
        await session.scalars(
            select(Module).where(Module.course_id == course.id).order_by(Module.position, Module.created_at)
        )
    )
    lessons: dict[uuid.UUID, list[LessonDoc]] = {m.id: [] for m in modules}
    for lesson in await session.scalars(
        select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position, Lesson.created_at)
    ):
        lessons[lesson.module_id].append(
            LessonDoc(
                slug=lesson.slug,
                title=lesson.title,
                body=lesson.body,
                skills=list(lesson.skills),
                estimated_minutes=lesson.estimated_minutes,
                published=lesson.published,
            )
        )
    rows = (
        await session.execute(
            select(Question, QuestionVersion.body)
            .join(
                QuestionVersion,
                (QuestionVersion.question_id == Question.id) & (QuestionVersion.version == Question.version),
            )
            .where(Question.course_id == course.id, Question.archived.is_(False))
            .order_by(Question.created_at, Question.id)
        )
    ).all()
    keys = {q.id: q.key for q, _ in rows}
    questions = [QuestionDoc(key=q.key, category=q.category, question=parse_spec(body)) for q, body in rows]
    assessments = []
    for a in await session.scalars(
        select(Assessment)
        .where(Assessment.course_id == course.id)
        .order_by(Assessment.created_at, Assessment.id)
    ):
        policy = AssessmentPolicy.model_validate(a.policy)
        refs = [keys[uuid.UUID(q)] for q in policy.questions if uuid.UUID(q) in keys]
        if policy.questions and not refs:
            continue  # every question of it was archived: nothing left to export
        assessments.append(
            AssessmentDoc(
                key=a.key or f"assessment-{a.id.hex[:8]}",
                title=a.title,
                description=a.description,
                policy=policy.model_copy(update={"questions": refs}),
                published=a.published,
            )
        )
    return CourseDocument(
        course=CourseDoc(
            slug=course.slug,
            title=course.title,
            summary=course.summary,
            language=course.language,
            published=course.published,
            skills=[SkillDoc(slug=s.slug, name=s.name, description=s.description) for s in skills],
            modules=[ModuleDoc(title=m.title, summary=m.summary, lessons=lessons[m.id]) for m in modules],
            questions=questions,
            assessments=assessments,
        )
    )
