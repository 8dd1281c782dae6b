"""The question bank: questions with immutable versions, filters, GIFT import and mentor search text."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.auth.deps import Principal
from starguide.content import schemas
from starguide.content.gift import GiftErrors, parse_gift
from starguide.content.models import Course, Question, QuestionVersion, Skill
from starguide.content.questions import Question as QuestionSpec
from starguide.content.service import _org, access_course
from starguide.kit.errors import Conflict, InvalidInput, NotFound
from starguide.kit.pagination import PageParams, paginate
from starguide.kit.tenancy import scoped

SPEC: TypeAdapter[Any] = TypeAdapter(QuestionSpec)


def parse_spec(body: dict[str, Any]) -> Any:
    """A stored version's body as a question model."""
    return SPEC.validate_python(body)


def search_text(spec: Any) -> str:
    """What a mentor's search sees of a question: its title, text, options, answers and explanation."""
    parts = [spec.title or "", spec.text, spec.explanation, *spec.hints]
    for attr in ("choices", "items"):
        parts += [c.text for c in getattr(spec, attr, [])]
    parts += [p.prompt + " " + p.answer for p in getattr(spec, "pairs", [])]
    parts += [a.text for a in getattr(spec, "answers", []) if hasattr(a, "text")]
    return "\n".join(p for p in parts if p)[:50_000]


async def _check_skills(session: AsyncSession, course_id: uuid.UUID, skills: list[str]) -> None:
    if not skills:
        return
    known = set(await session.scalars(select(Skill.slug).where(Skill.course_id == course_id)))
    unknown = [s for s in skills if s not in known]
    if unknown:
        raise InvalidInput(f"Unknown skill {unknown[0]!r}; add it to the course's skills first.")


def to_read(question: Question, body: dict[str, Any]) -> schemas.QuestionRead:
    return schemas.QuestionRead(
        id=question.id,
        course_id=question.course_id,
        key=question.key,
        category=question.category,
        type=question.type,
        difficulty=question.difficulty,
        skills=list(question.skills),
        version=question.version,
        archived=question.archived,
        question=body,
        updated_at=question.updated_at,
    )


async def _next_key(session: AsyncSession, course_id: uuid.UUID) -> str:
    count = await session.scalar(select(func.count()).where(Question.course_id == course_id))
    return f"q-{int(count or 0) + 1:04d}-{uuid.uuid4().hex[:6]}"


async def add_question(
    session: AsyncSession,
    course: Course,
    spec: Any,
    *,
    key: str | None,
    category: str | None,
    author: uuid.UUID | None,
    check_skills: bool = True,
) -> tuple[Question, dict[str, Any]]:
    """Insert a question and its version 1 (no permission check: callers have done it)."""
    if check_skills:
        await _check_skills(session, course.id, list(spec.skills))
    key = key or await _next_key(session, course.id)
    taken = await session.scalar(
        select(Question.id).where(Question.course_id == course.id, Question.key == key)
    )
    if taken is not None:
        raise Conflict(f"The course already has a question with the key {key!r}.")
    body = spec.model_dump(mode="json")
    question = Question(
        organisation_id=course.organisation_id,
        course_id=course.id,
        key=key,
        category=category,
        type=str(spec.type),
        difficulty=spec.difficulty,
        skills=list(spec.skills),
        version=1,
        search_text=search_text(spec),
    )
    session.add(question)
    await session.flush()
    session.add(
        QuestionVersion(
            organisation_id=course.organisation_id,
            question_id=question.id,
            version=1,
            body=body,
            created_by_id=author,
        )
    )
    return question, body


async def do_create_question(
    session: AsyncSession, principal: Principal, course_id: uuid.UUID, data: schemas.QuestionIn
) -> schemas.QuestionRead:
    course = await access_course(session, principal, course_id)
    question, body = await add_question(
        session, course, data.question, key=data.key, category=data.category, author=principal.user_id
    )
    await session.flush()
    return to_read(question, body)


async def access_question(session: AsyncSession, principal: Principal, question_id: uuid.UUID) -> Question:
    question = await session.scalar(
        scoped(select(Question), Question, _org(principal)).where(Question.id == question_id)
    )
    if question is None:
        raise NotFound("No such question.")
    return question


async def version_body(session: AsyncSession, question_id: uuid.UUID, version: int) -> dict[str, Any]:
    body: dict[str, Any] | None = await session.scalar(
        select(QuestionVersion.body).where(
            QuestionVersion.question_id == question_id, QuestionVersion.version == version
        )
    )
    if body is None:  # pragma: no cover - versions are never deleted while their question exists
        raise NotFound("No such question version.")
    return body


async def get_question(
    session: AsyncSession, principal: Principal, question_id: uuid.UUID
) -> schemas.QuestionRead:
    question = await access_question(session, principal, question_id)
    return to_read(question, await version_body(session, question.id, question.version))


async def list_versions(
    session: AsyncSession, principal: Principal, question_id: uuid.UUID
) -> list[schemas.QuestionVersionRead]:
    question = await access_question(session, principal, question_id)
    rows = await session.scalars(
        select(QuestionVersion)
        .where(QuestionVersion.question_id == question.id)
        .order_by(QuestionVersion.version.desc())
    )
    return [
        schemas.QuestionVersionRead(version=r.version, created_at=r.created_at, question=r.body) for r in rows
    ]


async def do_update_question(
    session: AsyncSession, principal: Principal, question_id: uuid.UUID, data: schemas.QuestionIn
) -> schemas.QuestionRead:
    """A new version; attempts keep pointing at the version they were given."""
    question = await access_question(session, principal, question_id)
    spec = data.question
    if str(spec.type) != question.type:
        raise InvalidInput("A question keeps its type; create a new question instead.")
    await _check_skills(session, question.course_id, list(spec.skills))
    if data.key and data.key != question.key:
        taken = await session.scalar(
            select(Question.id).where(Question.course_id == question.course_id, Question.key == data.key)
        )
        if taken is not None:
            raise Conflict(f"The course already has a question with the key {data.key!r}.")
        question.key = data.key
    body = spec.model_dump(mode="json")
    current = await version_body(session, question.id, question.version)
    if body != current:
        question.version += 1
        session.add(
            QuestionVersion(
                organisation_id=question.organisation_id,
                question_id=question.id,
                version=question.version,
                body=body,
                created_by_id=principal.user_id,
            )
        )
    question.category = data.category
    question.difficulty = spec.difficulty
    question.skills = list(spec.skills)
    question.search_text = search_text(spec)
    await session.flush()
    return to_read(question, body)


async def do_archive_question(session: AsyncSession, principal: Principal, question_id: uuid.UUID) -> None:
    """Archived questions leave the bank's draws and searches; past attempts keep them."""
    question = await access_question(session, principal, question_id)
    question.archived = True


async def list_questions(
    session: AsyncSession,
    principal: Principal,
    course_id: uuid.UUID,
    params: PageParams,
    *,
    question_type: str | None = None,
    skill: str | None = None,
    difficulty: int | None = None,
    archived: bool = False,
) -> tuple[list[schemas.QuestionRead], int]:
    course = await access_course(session, principal, course_id)
    stmt = (
        select(Question, QuestionVersion.body)
        .join(
            QuestionVersion,
            (QuestionVersion.question_id == Question.id) & (QuestionVersion.version == Question.version),
        )
        .where(Question.course_id == course.id, Question.archived == archived)
        .order_by(Question.key)
    )
    if question_type:
        stmt = stmt.where(Question.type == question_type)
    if difficulty:
        stmt = stmt.where(Question.difficulty == difficulty)
    if skill:
        # JSON containment differs by database; the list is short, so match its JSON text.
        stmt = stmt.where(cast(Question.skills, Text).like(f'%"{skill}"%'))
    rows, total = await paginate(session, stmt, params)
    return [to_read(q, body) for q, body in rows], total


async def do_import_gift(
    session: AsyncSession, principal: Principal, course_id: uuid.UUID, source: str
) -> schemas.GiftImportResult:
    """Every question of a GIFT file, or none: a file with errors answers 422 listing them all."""
    course = await access_course(session, principal, course_id)
    try:
        parsed = parse_gift(source)
    except GiftErrors as exc:
        raise InvalidInput(
            f"The GIFT file has {len(exc.errors)} error(s); nothing was imported.",
            gift_errors=[{"line": e.line, "message": e.message} for e in exc.errors],
        ) from None
    created = []
    for item in parsed:
        question, body = await add_question(
            session, course, item.question, key=None, category=item.category, author=principal.user_id
        )
        created.append(to_read(question, body))
    await session.flush()
    return schemas.GiftImportResult(created=len(created), questions=created)
