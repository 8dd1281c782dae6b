"""HTTP routes of courses, modules, lessons, skills, enrolment, progress, search and the question bank."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, status

from starguide.auth.deps import MemberDep, MentorDep
from starguide.content import bank, schemas, service
from starguide.content.exchange import CourseDocument
from starguide.content.render import render_markdown
from starguide.content.search import search_lessons, search_questions
from starguide.content.transfer import export_course, import_course
from starguide.kit.deps import RuntimeDep, SessionDep
from starguide.kit.pagination import Page, PageParamsDep

router = APIRouter(tags=["content"])


@router.get("/courses")
async def list_courses(
    session: SessionDep, principal: MemberDep, params: PageParamsDep
) -> Page[schemas.CourseRead]:
    """Courses of the organisation (learners see published ones)."""
    items, total = await service.list_courses(session, principal, params)
    return Page(items=items, total=total, limit=params.limit, offset=params.offset)


@router.post("/courses", status_code=status.HTTP_201_CREATED)
async def create_course(
    session: SessionDep, principal: MentorDep, body: schemas.CourseCreate
) -> schemas.CourseRead:
    """Create a draft course."""
    return await service.do_create_course(session, principal, body)


@router.post("/courses/import", status_code=status.HTTP_201_CREATED)
async def import_course_file(
    session: SessionDep,
    principal: MentorDep,
    body: CourseDocument,
    slug: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")] = None,
) -> schemas.CourseImportResult:
    """Import a whole course in the JSON course format (optionally under another slug)."""
    assert principal.organisation_id is not None
    _course, result = await import_course(
        session, principal.organisation_id, body, author=principal.user_id, slug=slug
    )
    return result


@router.get("/courses/{course_id}")
async def get_course(session: SessionDep, principal: MemberDep, course_id: uuid.UUID) -> schemas.CourseRead:
    """One course."""
    return await service.get_course(session, principal, course_id)


@router.patch("/courses/{course_id}")
async def update_course(
    session: SessionDep, principal: MentorDep, course_id: uuid.UUID, body: schemas.CourseUpdate
) -> schemas.CourseRead:
    """Change a course; `published` makes it visible to learners (and its lessons searchable)."""
    return await service.do_update_course(session, principal, course_id, body)


@router.delete("/courses/{course_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_course(session: SessionDep, principal: MentorDep, course_id: uuid.UUID) -> None:
    """Delete a course with everything in it."""
    await service.do_delete_course(session, principal, course_id)


@router.get("/courses/{course_id}/export")
async def export_course_file(
    session: SessionDep, principal: MentorDep, course_id: uuid.UUID
) -> CourseDocument:
    """The course in the JSON course format."""
    course = await service.access_course(session, principal, course_id)
    return await export_course(session, course)


@router.get("/courses/{course_id}/outline")
async def get_course_outline(
    session: SessionDep, principal: MemberDep, course_id: uuid.UUID
) -> schemas.CourseOutline:
    """Modules, lessons and the caller's progress (learners: once enrolled)."""
    return await service.get_outline(session, principal, course_id)


@router.get("/courses/{course_id}/skills")
async def list_course_skills(
    session: SessionDep, principal: MemberDep, course_id: uuid.UUID
) -> list[schemas.SkillRead]:
    """What the course teaches."""
    course = await service.access_course(session, principal, course_id)
    return await service.list_skills(session, course)


@router.put("/courses/{course_id}/skills")
async def replace_course_skills(
    session: SessionDep,
    principal: MentorDep,
    course_id: uuid.UUID,
    body: Annotated[list[schemas.SkillIn], Body(max_length=200)],
) -> list[schemas.SkillRead]:
    """Set the course's skills, in order (a skill still in use cannot be removed)."""
    return await service.do_replace_skills(session, principal, course_id, body)


@router.post("/courses/{course_id}/modules", status_code=status.HTTP_201_CREATED)
async def create_module(
    session: SessionDep, principal: MentorDep, course_id: uuid.UUID, body: schemas.ModuleCreate
) -> schemas.ModuleRead:
    """Add a module to a course."""
    return await service.do_create_module(session, principal, course_id, body)


@router.patch("/modules/{module_id}")
async def update_module(
    session: SessionDep, principal: MentorDep, module_id: uuid.UUID, body: schemas.ModuleUpdate
) -> schemas.ModuleRead:
    """Rename or move a module."""
    return await service.do_update_module(session, principal, module_id, body)


@router.delete("/modules/{module_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_module(session: SessionDep, principal: MentorDep, module_id: uuid.UUID) -> None:
    """Delete a module and its lessons."""
    await service.do_delete_module(session, principal, module_id)


@router.post("/modules/{module_id}/lessons", status_code=status.HTTP_201_CREATED)
async def create_lesson(
    session: SessionDep, principal: MentorDep, module_id: uuid.UUID, body: schemas.LessonCreate
) -> schemas.LessonRead:
    """Add a lesson (Markdown) to a module."""
    return await service.do_create_lesson(session, principal, module_id, body)


@router.post("/content/preview")
async def preview_markdown(principal: MentorDep, body: schemas.MarkdownPreviewIn) -> schemas.MarkdownPreview:
    """Render Markdown as a lesson would show it, without saving anything (for editors' previews)."""
    return schemas.MarkdownPreview(html=render_markdown(body.body))


@router.get("/lessons/{lesson_id}")
async def get_lesson(session: SessionDep, principal: MemberDep, lesson_id: uuid.UUID) -> schemas.LessonRead:
    """A lesson with its sanitised HTML."""
    return await service.get_lesson(session, principal, lesson_id)


@router.patch("/lessons/{lesson_id}")
async def update_lesson(
    session: SessionDep, principal: MentorDep, lesson_id: uuid.UUID, body: schemas.LessonUpdate
) -> schemas.LessonRead:
    """Edit, publish, reorder or move a lesson."""
    return await service.do_update_lesson(session, principal, lesson_id, body)


@router.delete("/lessons/{lesson_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_lesson(session: SessionDep, principal: MentorDep, lesson_id: uuid.UUID) -> None:
    """Delete a lesson."""
    await service.do_delete_lesson(session, principal, lesson_id)


@router.post("/lessons/{lesson_id}/open")
async def open_lesson(
    session: SessionDep, principal: MemberDep, runtime: RuntimeDep, lesson_id: uuid.UUID
) -> schemas.ProgressRead:
    """Record that the caller opened the lesson."""
    return await service.do_open_lesson(session, principal, lesson_id, runtime.clock)


@router.post("/lessons/{lesson_id}/complete")
async def complete_lesson(
    session: SessionDep, principal: MemberDep, runtime: RuntimeDep, lesson_id: uuid.UUID
) -> schemas.ProgressRead:
    """Mark the lesson completed (once; repeating it changes nothing)."""
    return await service.do_complete_lesson(session, principal, lesson_id, runtime.clock)


@router.post("/courses/{course_id}/enrolment")
async def enrol_in_course(
    session: SessionDep, principal: MemberDep, course_id: uuid.UUID
) -> schemas.EnrolmentRead:
    """Enrol yourself in a published course that allows it."""
    return await service.do_enrol_self(session, principal, course_id)


@router.get("/courses/{course_id}/enrolments")
async def list_enrolments(
    session: SessionDep, principal: MentorDep, course_id: uuid.UUID, params: PageParamsDep
) -> Page[schemas.EnrolmentRead]:
    """Who is enrolled in the course."""
    items, total = await service.list_enrolments(session, principal, course_id, params)
    return Page(items=items, total=total, limit=params.limit, offset=params.offset)


@router.post("/courses/{course_id}/enrolments")
async def enrol_member(
    session: SessionDep, principal: MentorDep, course_id: uuid.UUID, body: schemas.EnrolmentCreate
) -> schemas.EnrolmentRead:
    """Enrol a member of the organisation (assigned by a mentor)."""
    return await service.do_enrol_member(session, principal, course_id, body.user_id)


@router.delete("/courses/{course_id}/enrolments/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_enrolment(
    session: SessionDep, principal: MemberDep, course_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Unenrol a learner (mentors) or yourself."""
    await service.do_unenrol(session, principal, course_id, user_id)


@router.get("/search")
async def search_content(
    session: SessionDep,
    principal: MemberDep,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> schemas.SearchResults:
    """Search published lessons (learners: of their courses); mentors also find questions."""
    assert principal.organisation_id is not None
    course_ids = None if principal.is_mentor else await service.enrolled_course_ids(session, principal)
    hits = [
        schemas.SearchHit(
            kind="lesson", id=h.lesson_id, course_id=h.course_id, title=h.title, snippet=h.snippet
        )
        for h in await search_lessons(session, principal.organisation_id, q, limit, course_ids=course_ids)
    ]
    if principal.is_mentor:
        hits += [
            schemas.SearchHit(
                kind="question", id=h.question_id, course_id=h.course_id, title=h.key, snippet=h.snippet
            )
            for h in await search_questions(session, principal.organisation_id, q, limit)
        ]
    return schemas.SearchResults(query=q, hits=hits)


# ---- question bank ----------------------------------------------------------------------------


@router.get("/courses/{course_id}/questions")
async def list_questions(
    session: SessionDep,
    principal: MentorDep,
    course_id: uuid.UUID,
    params: PageParamsDep,
    question_type: Annotated[
        Literal[
            "single_choice",
            "multiple_choice",
            "true_false",
            "numeric",
            "short_text",
            "ordering",
            "matching",
            "free_text",
        ]
        | None,
        Query(alias="type"),
    ] = None,
    skill: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")] = None,
    difficulty: Annotated[int | None, Query(ge=1, le=5)] = None,
    archived: bool = False,
) -> Page[schemas.QuestionRead]:
    """The course's question bank, filtered by type, skill and difficulty."""
    items, total = await bank.list_questions(
        session,
        principal,
        course_id,
        params,
        question_type=question_type,
        skill=skill,
        difficulty=difficulty,
        archived=archived,
    )
    return Page(items=items, total=total, limit=params.limit, offset=params.offset)


@router.post("/courses/{course_id}/questions", status_code=status.HTTP_201_CREATED)
async def create_question(
    session: SessionDep, principal: MentorDep, course_id: uuid.UUID, body: schemas.QuestionIn
) -> schemas.QuestionRead:
    """Add a question to the course's bank."""
    return await bank.do_create_question(session, principal, course_id, body)


@router.post("/courses/{course_id}/questions/gift", status_code=status.HTTP_201_CREATED)
async def import_gift(
    session: SessionDep, principal: MentorDep, course_id: uuid.UUID, body: schemas.GiftImport
) -> schemas.GiftImportResult:
    """Import a Moodle GIFT file: all of it, or nothing and every error with its line (422)."""
    return await bank.do_import_gift(session, principal, course_id, body.source)


@router.get("/questions/{question_id}")
async def get_question(
    session: SessionDep, principal: MentorDep, question_id: uuid.UUID
) -> schemas.QuestionRead:
    """A question with its answers (mentors only)."""
    return await bank.get_question(session, principal, question_id)


@router.put("/questions/{question_id}")
async def update_question(
    session: SessionDep, principal: MentorDep, question_id: uuid.UUID, body: schemas.QuestionIn
) -> schemas.QuestionRead:
    """Edit a question: a changed question becomes a new version; past attempts keep theirs."""
    return await bank.do_update_question(session, principal, question_id, body)


@router.delete("/questions/{question_id}", status_code=status.HTTP_204_NO_CONTENT)
async def archive_question(session: SessionDep, principal: MentorDep, question_id: uuid.UUID) -> None:
    """Archive a question (kept for past attempts, gone from draws and search)."""
    await bank.do_archive_question(session, principal, question_id)


@router.get("/questions/{question_id}/versions")
async def list_question_versions(
    session: SessionDep, principal: MentorDep, question_id: uuid.UUID
) -> list[schemas.QuestionVersionRead]:
    """Every version of a question, newest first."""
    return await bank.list_versions(session, principal, question_id)
