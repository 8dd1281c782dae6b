"""HTTP routes of assessments and attempts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from starguide.auth.deps import MemberDep, MentorDep
from starguide.kit.deps import RuntimeDep, SessionDep
from starguide.kit.errors import problem_response
from starguide.kit.pagination import Page, PageParamsDep
from starguide.quizzes import ai_grading, schemas, service

router = APIRouter(tags=["quizzes"])


@router.get("/assessments")
async def list_assessments(
    session: SessionDep,
    principal: MemberDep,
    params: PageParamsDep,
    course_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Page[schemas.AssessmentRead]:
    """Assessments (learners: published ones of their courses and of the whole organisation)."""
    items, total = await service.list_assessments(session, principal, params, course_id)
    return Page(items=items, total=total, limit=params.limit, offset=params.offset)


@router.post("/assessments", status_code=status.HTTP_201_CREATED)
async def create_assessment(
    session: SessionDep, principal: MentorDep, body: schemas.AssessmentCreate
) -> schemas.AssessmentRead:
    """Create an assessment for a course or the whole organisation."""
    return await service.do_create_assessment(session, principal, body)


@router.get("/assessments/{assessment_id}")
async def get_assessment(
    session: SessionDep, principal: MemberDep, assessment_id: uuid.UUID
) -> schemas.AssessmentRead:
    """One assessment."""
    return await service.get_assessment(session, principal, assessment_id)


@router.patch("/assessments/{assessment_id}")
async def update_assessment(
    session: SessionDep, principal: MentorDep, assessment_id: uuid.UUID, body: schemas.AssessmentUpdate
) -> schemas.AssessmentRead:
    """Change an assessment (attempts already started keep their questions)."""
    return await service.do_update_assessment(session, principal, assessment_id, body)


@router.delete("/assessments/{assessment_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_assessment(session: SessionDep, principal: MentorDep, assessment_id: uuid.UUID) -> None:
    """Delete an assessment and its attempts."""
    await service.do_delete_assessment(session, principal, assessment_id)


@router.post("/assessments/{assessment_id}/attempts")
async def start_attempt(
    session: SessionDep, principal: MemberDep, runtime: RuntimeDep, assessment_id: uuid.UUID
) -> schemas.AttemptRead:
    """Start an attempt, or get back the one in progress."""
    return await service.do_start_attempt(session, principal, assessment_id, runtime.clock)


@router.get("/assessments/{assessment_id}/attempts")
async def list_attempts(
    session: SessionDep,
    principal: MemberDep,
    runtime: RuntimeDep,
    assessment_id: uuid.UUID,
    params: PageParamsDep,
) -> Page[schemas.AttemptSummary]:
    """Results: every learner's attempts for mentors, your own for learners."""
    items, total = await service.list_attempts(session, principal, assessment_id, params, runtime.clock)
    return Page(items=items, total=total, limit=params.limit, offset=params.offset)


@router.get("/attempts/{attempt_id}")
async def get_attempt(
    session: SessionDep, principal: MemberDep, runtime: RuntimeDep, attempt_id: uuid.UUID
) -> schemas.AttemptRead:
    """An attempt: questions, saved answers and, when the feedback policy allows, the review."""
    attempt, _ = await service.access_attempt(session, principal, attempt_id)
    if not service.expired(attempt, runtime.clock()):
        return await service.get_attempt(session, principal, attempt_id, runtime.clock)
    # A read does not write: submit the expired attempt in its own transaction, then read it in a
    # new one (this request's snapshot predates the submission).
    await service.submit_expired(runtime.db, runtime.clock, attempt_id=attempt_id)
    async with runtime.db.session(write=False) as fresh:
        return await service.get_attempt(fresh, principal, attempt_id, runtime.clock)


@router.put("/attempts/{attempt_id}/answers/{question_id}", response_model=schemas.AnswerResult)
async def save_answer(
    request: Request,
    principal: MemberDep,
    runtime: RuntimeDep,
    attempt_id: uuid.UUID,
    question_id: uuid.UUID,
    body: schemas.AnswerIn,
) -> Response:
    """Save (and grade) an answer; saving again replaces it. Refused with 409 once time is up."""
    # No request session: the service writes in its own (on PostgreSQL, one statement), and the
    # answer is encoded here once rather than validated again against `response_model`.
    result = await service.do_save_answer(
        runtime.db, principal, attempt_id, question_id, body.answer, runtime.clock
    )
    if isinstance(result, service.Expired):
        await service.submit_expired(runtime.db, runtime.clock, attempt_id=attempt_id)
        return problem_response(
            request, 409, "Time is up: the attempt has been submitted.", slug="time-up", title="Time is up"
        )
    return Response(result.model_dump_json(), media_type="application/json")


@router.post("/attempts/{attempt_id}/answers/{question_id}/hint")
async def show_hint(
    session: SessionDep,
    principal: MemberDep,
    runtime: RuntimeDep,
    attempt_id: uuid.UUID,
    question_id: uuid.UUID,
) -> schemas.HintRead:
    """Reveal the next hint of a question (practice mode)."""
    return await service.do_show_hint(session, principal, attempt_id, question_id, runtime.clock)


@router.put("/attempts/{attempt_id}/answers/{question_id}/grade")
async def grade_answer(
    session: SessionDep,
    principal: MentorDep,
    runtime: RuntimeDep,
    attempt_id: uuid.UUID,
    question_id: uuid.UUID,
    body: schemas.ManualGrade,
) -> schemas.AnswerResult:
    """Grade an answer by hand (free text), or override an automatic grade."""
    return await service.do_grade_answer(session, principal, attempt_id, question_id, body, runtime.clock)


@router.post("/attempts/{attempt_id}/submit")
async def submit_attempt(
    session: SessionDep, principal: MemberDep, runtime: RuntimeDep, attempt_id: uuid.UUID
) -> schemas.AttemptRead:
    """Hand in the attempt: it is scored at once (free-text answers wait for a mentor)."""
    return await service.do_submit(session, principal, attempt_id, runtime.clock)


# ---- AI grading of free-text answers ------------------------------------------------------------


@router.get("/attempts/{attempt_id}/ai-grades")
async def list_ai_grades(
    session: SessionDep, principal: MentorDep, attempt_id: uuid.UUID
) -> list[schemas.AIGradeRead]:
    """The AI grades of an attempt's free-text answers, with their reasons."""
    return await ai_grading.list_ai_grades(session, principal, attempt_id)


@router.put("/attempts/{attempt_id}/answers/{question_id}/ai-grade/override")
async def override_ai_grade(
    session: SessionDep,
    principal: MentorDep,
    runtime: RuntimeDep,
    attempt_id: uuid.UUID,
    question_id: uuid.UUID,
    body: schemas.ManualGrade,
) -> schemas.AIGradeRead:
    """Replace an AI grade with the mentor's own (audited)."""
    return await ai_grading.do_override_ai_grade(
        session, principal, attempt_id, question_id, body, runtime.clock()
    )
