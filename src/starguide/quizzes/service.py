"""Assessments and attempts: starting, answering, submitting, grading, reviewing, expiring."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import TypeAdapter
from sqlalchemy import Boolean, Float, Integer, String, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from starguide.auth.deps import Principal
from starguide.content.bank import parse_spec
from starguide.content.models import Question, QuestionVersion
from starguide.content.questions import Answer, QuestionType
from starguide.content.render import render_text
from starguide.content.service import _org, access_course, enrolled_course_ids, is_enrolled
from starguide.kit.errors import Conflict, InvalidInput, NotFound
from starguide.kit.events import AnswerGraded, AttemptSubmitted
from starguide.kit.models import UTCDateTime
from starguide.kit.outbox import record_event
from starguide.kit.pagination import PageParams, paginate
from starguide.kit.tenancy import scoped
from starguide.kit.time import Clock
from starguide.orgs.models import Organisation
from starguide.quizzes import schemas
from starguide.quizzes.grading import AnswerMismatch, Grade, GradeStatus, grade, model_answer
from starguide.quizzes.models import Assessment, Attempt, AttemptAnswer
from starguide.quizzes.policy import AssessmentMode, AssessmentPolicy, FeedbackPolicy

ANSWER: TypeAdapter[Any] = TypeAdapter(Answer)
IN_PROGRESS, SUBMITTED = "in_progress", "submitted"


class TimeUp(Conflict):
    slug, title = "time-up", "Time is up"


class NoAttemptsLeft(Conflict):
    slug, title = "no-attempts-left", "No attempts left"


class NotOpen(Conflict):
    slug, title = "assessment-not-open", "Assessment not open"


_SPECS: dict[tuple[uuid.UUID, int], Any] = {}
_SPECS_MAX = 4096


def spec_of(question_id: uuid.UUID, version: int, body: dict[str, Any]) -> Any:
    """Question versions never change, so each is parsed once per process."""
    key = (question_id, version)
    spec = _SPECS.get(key)
    if spec is None:
        if len(_SPECS) >= _SPECS_MAX:
            _SPECS.clear()
        spec = _SPECS[key] = parse_spec(body)
    return spec


async def load_spec(session: AsyncSession, question_id: uuid.UUID, version: int) -> Any:
    spec = _SPECS.get((question_id, version))
    if spec is not None:
        return spec
    body = await session.scalar(
        select(QuestionVersion.body).where(
            QuestionVersion.question_id == question_id, QuestionVersion.version == version
        )
    )
    if body is None:  # pragma: no cover - versions are never deleted while attempts point at them
        raise NotFound("No such question version.")
    return spec_of(question_id, version, body)


# ---- assessments --------------------------------------------------------------------------------


async def org_zone(session: AsyncSession, organisation_id: uuid.UUID) -> ZoneInfo:
    name = await session.scalar(select(Organisation.time_zone).where(Organisation.id == organisation_id))
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _in_zone(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A naive deadline is wall-clock time in the organisation's zone (DST handled by zoneinfo)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=zone)


async def _check_policy(
    session: AsyncSession, organisation_id: uuid.UUID, course_id: uuid.UUID | None, policy: AssessmentPolicy
) -> None:
    if policy.questions:
        try:
            wanted = [uuid.UUID(q) for q in policy.questions]
        except ValueError:
            raise InvalidInput("`policy.questions` lists question ids.") from None
        stmt = scoped(select(Question.id), Question, organisation_id).where(
            Question.id.in_(wanted), Question.archived.is_(False)
        )
        if course_id is not None:
            stmt = stmt.where(Question.course_id == course_id)
        found = set(await session.scalars(stmt))
        missing = [str(q) for q in wanted if q not in found]
        if missing:
            raise InvalidInput(f"Unknown question {missing[0]} (it must be in the assessment's course).")


def _assessment_read(assessment: Assessment, zone: ZoneInfo) -> schemas.AssessmentRead:
    return schemas.AssessmentRead(
        id=assessment.id,
        course_id=assessment.course_id,
        title=assessment.title,
        description=assessment.description,
        policy=AssessmentPolicy.model_validate(assessment.policy),
        published=assessment.published,
        opens_at=assessment.opens_at,
        closes_at=assessment.closes_at,
        time_zone=zone.key,
        created_at=assessment.created_at,
    )


def _check_window(opens_at: datetime | None, closes_at: datetime | None) -> None:
    if opens_at and closes_at and opens_at >= closes_at:
        raise InvalidInput("The assessment must open before it closes.")


async def do_create_assessment(
    session: AsyncSession, principal: Principal, data: schemas.AssessmentCreate
) -> schemas.AssessmentRead:
    org = _org(principal)
    if data.course_id is not None:
        await access_course(session, principal, data.course_id)
    await _check_policy(session, org, data.course_id, data.policy)
    zone = await org_zone(session, org)
    opens_at, closes_at = _in_zone(data.opens_at, zone), _in_zone(data.closes_at, zone)
    _check_window(opens_at, closes_at)
    assessment = Assessment(
        organisation_id=org,
        course_id=data.course_id,
        title=data.title,
        description=data.description,
        policy=data.policy.model_dump(mode="json"),
        published=data.published,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by_id=principal.user_id,
    )
    session.add(assessment)
    await session.flush()
    return _assessment_read(assessment, zone)


async def access_assessment(
    session: AsyncSession, principal: Principal, assessment_id: uuid.UUID
) -> Assessment:
    """Mentors see every assessment; learners published ones of the organisation or of their courses."""
    assessment = await session.scalar(
        scoped(select(Assessment), Assessment, _org(principal)).where(Assessment.id == assessment_id)
    )
    if assessment is None:
        raise NotFound("No such assessment.")
    if not principal.is_mentor and (
        not assessment.published
        or (
            assessment.course_id is not None
            and not await is_enrolled(session, principal.user_id, assessment.course_id)
        )
    ):
        raise NotFound("No such assessment.")
    return assessment


async def get_assessment(
    session: AsyncSession, principal: Principal, assessment_id: uuid.UUID
) -> schemas.AssessmentRead:
    assessment = await access_assessment(session, principal, assessment_id)
    return _assessment_read(assessment, await org_zone(session, assessment.organisation_id))


async def list_assessments(
    session: AsyncSession, principal: Principal, params: PageParams, course_id: uuid.UUID | None = None
) -> tuple[list[schemas.AssessmentRead], int]:
    org = _org(principal)
    stmt = scoped(select(Assessment), Assessment, org).order_by(Assessment.created_at, Assessment.id)
    if course_id is not None:
        stmt = stmt.where(Assessment.course_id == course_id)
    if not principal.is_mentor:
        mine = await enrolled_course_ids(session, principal)
        stmt = stmt.where(
            Assessment.published,
            Assessment.course_id.is_(None) | Assessment.course_id.in_(mine or [uuid.UUID(int=0)]),
        )
    rows, total = await paginate(session, stmt, params)
    zone = await org_zone(session, org)
    return [_assessment_read(a, zone) for a in rows], total


async def do_update_assessment(
    session: AsyncSession, principal: Principal, assessment_id: uuid.UUID, data: schemas.AssessmentUpdate
) -> schemas.AssessmentRead:
    assessment = await access_assessment(session, principal, assessment_id)
    zone = await org_zone(session, assessment.organisation_id)
    changes = data.model_dump(exclude_unset=True)
    if data.policy is not None:
        await _check_policy(session, assessment.organisation_id, assessment.course_id, data.policy)
        assessment.policy = data.policy.model_dump(mode="json")
    for field in ("title", "description", "published"):
        if field in changes:
            if changes[field] is None:
                raise InvalidInput(f"{field} cannot be null.")
            setattr(assessment, field, changes[field])
    if "opens_at" in changes:
        assessment.opens_at = _in_zone(data.opens_at, zone)
    if "closes_at" in changes:
        assessment.closes_at = _in_zone(data.closes_at, zone)
    _check_window(assessment.opens_at, assessment.closes_at)
    await session.flush()
    return _assessment_read(assessment, zone)


async def do_delete_assessment(session: AsyncSession, principal: Principal, assessment_id: uuid.UUID) -> None:
    await session.delete(await access_assessment(session, principal, assessment_id))


# ---- starting an attempt ----------------------------------------------------------------------


async def _current_questions(
    session: AsyncSession, organisation_id: uuid.UUID, ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, dict[str, Any]]]:
    rows = await session.execute(
        scoped(select(Question.id, Question.version, QuestionVersion.body), Question, organisation_id)
        .join(
            QuestionVersion,
            (QuestionVersion.question_id == Question.id) & (QuestionVersion.version == Question.version),
        )
        .where(Question.id.in_(ids), Question.archived.is_(False))
    )
    return {r[0]: (r[1], r[2]) for r in rows}


async def _draw(
    session: AsyncSession, assessment: Assessment, policy: AssessmentPolicy, rng: random.Random
) -> list[uuid.UUID]:
    chosen: list[uuid.UUID] = []
    for draw in policy.draws:
        columns: Any = select(Question.id, Question.skills)
        stmt = scoped(columns, Question, assessment.organisation_id).where(
            Question.archived.is_(False),
            Question.difficulty.between(draw.difficulty_min, draw.difficulty_max),
        )
        if policy.mode == AssessmentMode.PRACTICE:  # practice gives instant feedback: no mentor grading
            stmt = stmt.where(Question.type != QuestionType.FREE_TEXT.value)
        if assessment.course_id is not None:
            stmt = stmt.where(Question.course_id == assessment.course_id)
        pool = [
            qid
            for qid, skills in (await session.execute(stmt.order_by(Question.id))).all()
            if qid not in chosen and (not draw.skills or set(skills) & set(draw.skills))
        ]
        chosen += rng.sample(pool, min(draw.count, len(pool)))
    return chosen


def _item(
    question_id: uuid.UUID, version: int, spec: Any, policy: AssessmentPolicy, rng: random.Random
) -> dict[str, Any]:
    item: dict[str, Any] = {"question_id": str(question_id), "version": version}
    if spec.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        order = [c.id for c in spec.choices]
        if policy.shuffle_options and spec.shuffle:
            rng.shuffle(order)
        item["order"] = order
    elif spec.type == QuestionType.ORDERING:
        order = [i.id for i in spec.items]
        for _ in range(5):  # the given order must not be the answer
            rng.shuffle(order)
            if order != [i.id for i in spec.items]:
                break
        item["order"] = order
    elif spec.type == QuestionType.MATCHING:
        answers = spec.options()
        rng.shuffle(answers)
        item["answers"] = answers
    return item


async def do_start_attempt(
    session: AsyncSession,
    principal: Principal,
    assessment_id: uuid.UUID,
    clock: Clock,
    rng: random.Random | None = None,
) -> schemas.AttemptRead:
    """A new attempt, or the one already in progress (starting twice never makes two)."""
    rng = rng or random.SystemRandom()
    assessment = await access_assessment(session, principal, assessment_id)
    policy = AssessmentPolicy.model_validate(assessment.policy)
    now = clock()
    open_attempt = await session.scalar(
        select(Attempt).where(
            Attempt.assessment_id == assessment.id,
            Attempt.user_id == principal.user_id,
            Attempt.status == IN_PROGRESS,
        )
    )
    if open_attempt is not None:
        if not expired(open_attempt, now):
            return await attempt_view(session, principal, open_attempt, assessment, now)
        await submit(session, open_attempt, assessment, now, auto=True)
    practice = policy.mode == AssessmentMode.PRACTICE
    if not practice:
        if assessment.opens_at and now < assessment.opens_at:
            raise NotOpen("This assessment has not opened yet.")
        if assessment.closes_at and now >= assessment.closes_at:
            raise NotOpen("This assessment has closed.")
    count = int(
        await session.scalar(
            select(func.count()).where(
                Attempt.assessment_id == assessment.id, Attempt.user_id == principal.user_id
            )
        )
        or 0
    )
    if not practice and policy.max_attempts is not None and count >= policy.max_attempts:
        raise NoAttemptsLeft(f"You have used all {policy.max_attempts} attempt(s).")
    ids = (
        [uuid.UUID(q) for q in policy.questions]
        if policy.questions
        else await _draw(session, assessment, policy, rng)
    )
    if policy.shuffle_questions:
        rng.shuffle(ids)
    current = await _current_questions(session, assessment.organisation_id, ids)
    items = [
        _item(qid, current[qid][0], spec_of(qid, current[qid][0], current[qid][1]), policy, rng)
        for qid in ids
        if qid in current
    ]
    if not items:
        raise Conflict("This assessment has no questions to answer yet.")
    deadline = None
    if policy.time_limit_minutes and not practice:
        deadline = now + timedelta(minutes=policy.time_limit_minutes)
    if assessment.closes_at and not practice:
        deadline = min(deadline, assessment.closes_at) if deadline else assessment.closes_at
    attempt = Attempt(
        organisation_id=assessment.organisation_id,
        assessment_id=assessment.id,
        user_id=principal.user_id,
        number=count + 1,
        mode=policy.mode.value,
        items=items,
        started_at=now,
        last_activity_at=now,
        deadline_at=deadline,
    )
    try:
        async with session.begin_nested():
            session.add(attempt)
    except IntegrityError:  # a concurrent start won: answer with its attempt
        return await do_start_attempt(session, principal, assessment_id, clock, rng)
    return await attempt_view(session, principal, attempt, assessment, now)


# ---- reading an attempt ------------------------------------------------------------------------


def expired(attempt: Attempt, now: datetime) -> bool:
    return attempt.status == IN_PROGRESS and attempt.deadline_at is not None and now >= attempt.deadline_at


async def access_attempt(
    session: AsyncSession, principal: Principal, attempt_id: uuid.UUID, *, own: bool = False
) -> tuple[Attempt, Assessment]:
    """The attempt if it is the principal's (or, unless `own`, if the principal is a mentor)."""
    pair: Any = select(Attempt, Assessment)
    row = (
        await session.execute(
            scoped(pair, Attempt, _org(principal))
            .join(Assessment, Assessment.id == Attempt.assessment_id)
            .where(Attempt.id == attempt_id)
        )
    ).first()
    if row is None:
        raise NotFound("No such attempt.")
    attempt, assessment = row
    if attempt.user_id != principal.user_id and (own or not principal.is_mentor):
        raise NotFound("No such attempt.")
    return attempt, assessment


def _view(item: dict[str, Any], position: int, spec: Any) -> schemas.QuestionView:
    view = schemas.QuestionView(
        question_id=uuid.UUID(item["question_id"]),
        version=item["version"],
        position=position,
        type=str(spec.type),
        title=spec.title,
        text=spec.text,
        text_html=render_text(spec.text, spec.text_format),
        difficulty=spec.difficulty,
        hints_available=len(spec.hints),
    )
    if spec.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        texts = {c.id: c.text for c in spec.choices}
        view.options = [{"id": cid, "text": texts[cid]} for cid in item["order"]]
    elif spec.type == QuestionType.ORDERING:
        texts = {i.id: i.text for i in spec.items}
        view.options = [{"id": iid, "text": texts[iid]} for iid in item["order"]]
    elif spec.type == QuestionType.MATCHING:
        view.prompts = [{"id": p.id, "text": p.prompt} for p in spec.pairs]
        view.answers = list(item["answers"])
    elif spec.type == QuestionType.NUMERIC:
        view.units = [u.name for u in spec.units]
    return view


def _revealed(
    attempt: Attempt, assessment: Assessment, policy: AssessmentPolicy, mentor: bool, now: datetime
) -> bool:
    if (
        mentor
        or attempt.mode == AssessmentMode.PRACTICE
        or policy.feedback_policy == FeedbackPolicy.IMMEDIATELY
    ):
        return True
    if attempt.status != SUBMITTED:
        return False
    if policy.feedback_policy == FeedbackPolicy.AFTER_CLOSE:
        return assessment.closes_at is None or now >= assessment.closes_at
    return True


def _answer_result(
    question_id: uuid.UUID, row: AttemptAnswer | None, spec: Any, reveal: bool, grade_: Grade | None = None
) -> schemas.AnswerResult:
    result = schemas.AnswerResult(
        question_id=question_id,
        answer=row.answer if row and row.answered else None,
        saved_at=row.saved_at if row and row.answered else None,
        tries=row.tries if row and row.answered else 0,
        hints_shown=row.hints_shown if row else 0,
        hints=list(spec.hints[: row.hints_shown]) if row else [],
        mentor_feedback=row.mentor_feedback if row else None,
    )
    if not reveal:
        return result
    answered = row is not None and row.answered
    if grade_ is None and answered:
        assert row is not None
        try:
            grade_ = grade(spec, ANSWER.validate_python(row.answer))
        except AnswerMismatch:  # pragma: no cover - answers are checked when saved
            grade_ = None
    best = model_answer(spec)
    result.revealed = True
    result.explanation = spec.explanation
    result.model_answer = best.model_dump(mode="json") if best else None
    if answered and row is not None:
        result.status = row.status
        result.score = row.score
        result.correct = row.status == GradeStatus.GRADED and row.score >= 1.0
        result.feedback = list(grade_.feedback) if grade_ else []
    return result


async def attempt_view(
    session: AsyncSession, principal: Principal, attempt: Attempt, assessment: Assessment, now: datetime
) -> schemas.AttemptRead:
    policy = AssessmentPolicy.model_validate(assessment.policy)
    bodies = {
        (r.question_id, r.version): r.body
        for r in await session.scalars(
            select(QuestionVersion).where(
                QuestionVersion.question_id.in_([uuid.UUID(i["question_id"]) for i in attempt.items])
            )
        )
    }
    rows = {
        r.question_id: r
        for r in await session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))
    }
    reveal = _revealed(attempt, assessment, policy, principal.is_mentor, now)
    views, answers = [], []
    for position, item in enumerate(attempt.items):
        qid = uuid.UUID(item["question_id"])
        spec = spec_of(qid, item["version"], bodies[(qid, item["version"])])
        views.append(_view(item, position, spec))
        answers.append(_answer_result(qid, rows.get(qid), spec, reveal))
    seconds_left = None
    if attempt.status == IN_PROGRESS and attempt.deadline_at is not None:
        seconds_left = max(0.0, (attempt.deadline_at - now).total_seconds())
    show_score = attempt.status == SUBMITTED and reveal
    return schemas.AttemptRead(
        id=attempt.id,
        assessment_id=attempt.assessment_id,
        user_id=attempt.user_id,
        number=attempt.number,
        mode=attempt.mode,
        status=attempt.status,
        started_at=attempt.started_at,
        deadline_at=attempt.deadline_at,
        submitted_at=attempt.submitted_at,
        auto_submitted=attempt.auto_submitted,
        seconds_left=seconds_left,
        score=attempt.score if show_score else None,
        passed=attempt.passed if show_score else None,
        pending=attempt.pending,
        questions=views,
        answers=answers,
    )


async def get_attempt(
    session: AsyncSession, principal: Principal, attempt_id: uuid.UUID, clock: Clock
) -> schemas.AttemptRead:
    attempt, assessment = await access_attempt(session, principal, attempt_id)
    return await attempt_view(session, principal, attempt, assessment, clock())


async def list_attempts(
    session: AsyncSession, principal: Principal, assessment_id: uuid.UUID, params: PageParams, clock: Clock
) -> tuple[list[schemas.AttemptSummary], int]:
    """Mentors see every learner's attempts (the results); learners their own."""
    assessment = await access_assessment(session, principal, assessment_id)
    stmt = (
        select(Attempt).where(Attempt.assessment_id == assessment.id).order_by(Attempt.started_at, Attempt.id)
    )
    if not principal.is_mentor:
        stmt = stmt.where(Attempt.user_id == principal.user_id)
    rows, total = await paginate(session, stmt, params)
    policy = AssessmentPolicy.model_validate(assessment.policy)
    now = clock()
    out = []
    for a in rows:
        show = principal.is_mentor or (a.status == SUBMITTED and _revealed(a, assessment, policy, False, now))
        out.append(
            schemas.AttemptSummary(
                id=a.id,
                user_id=a.user_id,
                number=a.number,
                status=a.status,
                started_at=a.started_at,
                submitted_at=a.submitted_at,
                auto_submitted=a.auto_submitted,
                score=a.score if show else None,
                passed=a.passed if show else None,
                pending=a.pending,
            )
        )
    return out, total


# ---- answering ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expired:
    """Returned (not raised) when an answer came too late: the attempt was submitted in this transaction
    (or, with `submitted` False, is left for the caller to submit in one)."""

    attempt_id: uuid.UUID
    submitted: bool = True


# Set in `session.info` by a caller whose session is in autocommit mode (PostgreSQL): each statement
# commits by itself, so the service writes nothing that takes more than one statement.
AUTOCOMMIT = "quizzes.autocommit"


def _upsert(session: AsyncSession) -> Any:
    return sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert


@dataclass(frozen=True)
class _Saved:
    """What an answer's event needs of its row, before the row exists."""

    status: str
    score: float
    tries: int = 1
    hints_shown: int = 0
    time_taken_seconds: float | None = None


def _answered_event(
    attempt: Attempt,
    assessment: Assessment,
    question_id: uuid.UUID,
    version: int,
    spec: Any,
    row: Any,
    occurred_at: datetime,
    *,
    by_mentor: bool = False,
) -> AnswerGraded:
    return AnswerGraded(
        organisation_id=attempt.organisation_id,
        occurred_at=occurred_at,
        user_id=attempt.user_id,
        attempt_id=attempt.id,
        assessment_id=assessment.id,
        course_id=assessment.course_id,
        question_id=question_id,
        question_version=version,
        question_type=str(spec.type),
        skills=list(spec.skills),
        difficulty=spec.difficulty,
        status=row.status,
        score=row.score,
        correct=row.status == GradeStatus.GRADED and row.score >= 1.0,
        first_try=row.tries == 1,
        mode=attempt.mode,
        hints_shown=row.hints_shown,
        time_taken_seconds=row.time_taken_seconds,
        graded_by_mentor=by_mentor,
    )


async def do_save_answer(
    session: AsyncSession,
    principal: Principal,
    attempt_id: uuid.UUID,
    question_id: uuid.UUID,
    answer: Any,
    clock: Clock,
) -> schemas.AnswerResult | Expired:
    """Grade and keep the answer (saving again replaces it: one row per question, even when two
    saves race). Past the deadline nothing is saved and the attempt is submitted."""
    attempt, assessment = await access_attempt(session, principal, attempt_id, own=True)
    now = clock()
    if attempt.status != IN_PROGRESS:
        raise Conflict("This attempt has been submitted; answers can no longer change.")
    if expired(attempt, now):
        if session.info.get(AUTOCOMMIT):
            return Expired(attempt.id, submitted=False)  # the caller submits it in a transaction
        await submit(session, attempt, assessment, now, auto=True)
        return Expired(attempt.id)
    item = next((i for i in attempt.items if i["question_id"] == str(question_id)), None)
    if item is None:
        raise NotFound("This question is not part of the attempt.")
    version = item["version"]
    spec = await load_spec(session, question_id, version)
    try:
        result = grade(spec, answer)
    except AnswerMismatch as exc:
        raise InvalidInput(str(exc)) from None
    taken = max(0.0, (now - attempt.last_activity_at).total_seconds())
    emit = attempt.mode == AssessmentMode.PRACTICE and result.answered
    if session.get_bind().dialect.name == "postgresql":
        row = await _save_answer_pg(
            session, attempt, assessment, question_id, version, spec, answer, result, taken, now, emit=emit
        )
    else:
        row = await _save_answer_orm(
            session, attempt, assessment, question_id, version, spec, answer, result, taken, now, emit=emit
        )
    policy = AssessmentPolicy.model_validate(assessment.policy)
    reveal = _revealed(attempt, assessment, policy, False, now)
    return _answer_result(question_id, row, spec, reveal, result)


async def _save_answer_orm(
    session: AsyncSession,
    attempt: Attempt,
    assessment: Assessment,
    question_id: uuid.UUID,
    version: int,
    spec: Any,
    answer: Any,
    result: Grade,
    taken: float,
    now: datetime,
    *,
    emit: bool,
) -> Any:
    """The upsert, the attempt's last activity and the event as separate statements (SQLite, where a
    statement costs no network round trip and data-modifying CTEs do not exist)."""
    values = {
        "answer": answer.model_dump(mode="json"),
        "score": result.score,
        "status": result.status.value,
        "answered": result.answered,
        "saved_at": now,
    }
    insert = _upsert(session)(AttemptAnswer).values(
        id=uuid.uuid4(),
        organisation_id=attempt.organisation_id,
        attempt_id=attempt.id,
        question_id=question_id,
        question_version=version,
        tries=1,
        hints_shown=0,
        first_saved_at=now,
        time_taken_seconds=taken,
        **values,
    )
    table = AttemptAnswer.__table__
    stmt = insert.on_conflict_do_update(
        index_elements=["attempt_id", "question_id"],
        set_={
            **values,
            "tries": table.c.tries + 1,
            # time to the first real answer: a hint may have made the row earlier
            "time_taken_seconds": func.coalesce(table.c.time_taken_seconds, taken),
            "first_saved_at": func.coalesce(table.c.first_saved_at, now),
        },
    ).returning(AttemptAnswer)
    row = (await session.execute(stmt, execution_options={"populate_existing": True})).scalar_one()
    attempt.last_activity_at = now
    if emit:
        record_event(session, _answered_event(attempt, assessment, question_id, version, spec, row, now))
    return row


# One statement, one round trip: upsert the answer (only while the attempt is in progress), move the
# attempt's last activity, and record the event with what only the upserted row knows (tries, hints,
# time taken). Data-modifying CTEs always run to completion, so all three commit or none does.
_SAVE_ANSWER_PG = (
    text(
        """
WITH live AS (
    SELECT id FROM attempts WHERE id = :attempt_id AND status = 'in_progress'
), saved AS (
    INSERT INTO attempt_answers (id, organisation_id, attempt_id, question_id, question_version, answer,
        score, status, answered, tries, hints_shown, time_taken_seconds, first_saved_at, saved_at)
    SELECT :id, :organisation_id, live.id, :question_id, :question_version, :answer,
        :score, :status, :answered, 1, 0, :taken, :now, :now
    FROM live
    ON CONFLICT (attempt_id, question_id) DO UPDATE SET
        answer = excluded.answer, score = excluded.score, status = excluded.status,
        answered = excluded.answered, saved_at = excluded.saved_at,
        tries = attempt_answers.tries + 1,
        time_taken_seconds = coalesce(attempt_answers.time_taken_seconds, excluded.time_taken_seconds),
        first_saved_at = coalesce(attempt_answers.first_saved_at, excluded.first_saved_at)
    RETURNING *
), touched AS (
    UPDATE attempts SET last_activity_at = :now FROM saved WHERE attempts.id = saved.attempt_id
    RETURNING attempts.id
), recorded AS (
    INSERT INTO outbox_events (id, event_type, organisation_id, payload, occurred_at, available_at, attempts)
    SELECT :event_id, :event_type, :organisation_id,
        :payload || jsonb_build_object(
            'first_try', saved.tries = 1,
            'hints_shown', saved.hints_shown,
            'time_taken_seconds', saved.time_taken_seconds
        ),
        :now, :now, 0
    FROM saved WHERE :emit
    RETURNING id
)
SELECT saved.answer, saved.answered, saved.score, saved.status, saved.tries, saved.hints_shown,
    saved.saved_at, saved.mentor_feedback, (SELECT count(*) FROM touched) AS touched
FROM saved
"""
    )
    .bindparams(
        bindparam("answer", type_=JSONB),
        bindparam("payload", type_=JSONB),
        bindparam("now", type_=UTCDateTime),
    )
    .columns(
        answer=JSONB,
        answered=Boolean,
        score=Float,
        status=String,
        tries=Integer,
        hints_shown=Integer,
        saved_at=UTCDateTime,
        mentor_feedback=String,
        touched=Integer,
    )
)


async def _save_answer_pg(
    session: AsyncSession,
    attempt: Attempt,
    assessment: Assessment,
    question_id: uuid.UUID,
    version: int,
    spec: Any,
    answer: Any,
    result: Grade,
    taken: float,
    now: datetime,
    *,
    emit: bool,
) -> Any:
    # Tries, hints and time taken are filled in from the saved row by the statement itself.
    provisional = _Saved(status=result.status.value, score=result.score)
    event = _answered_event(attempt, assessment, question_id, version, spec, provisional, now)
    row = (
        await session.execute(
            _SAVE_ANSWER_PG,
            {
                "attempt_id": attempt.id,
                "id": uuid.uuid4(),
                "organisation_id": attempt.organisation_id,
                "question_id": question_id,
                "question_version": version,
                "answer": answer.model_dump(mode="json"),
                "score": result.score,
                "status": result.status.value,
                "answered": result.answered,
                "taken": taken,
                "now": now,
                "event_id": event.event_id,
                "event_type": event.event_type,
                "payload": event.model_dump(mode="json"),
                "emit": emit,
            },
        )
    ).first()
    if row is None:  # submitted by a concurrent request since it was read
        raise Conflict("This attempt has been submitted; answers can no longer change.")
    if emit:
        session.info["outbox_written"] = True
    # The attempt row was updated by the statement: keep the loaded object in step without a write.
    set_committed_value(attempt, "last_activity_at", now)
    return row


async def do_show_hint(
    session: AsyncSession, principal: Principal, attempt_id: uuid.UUID, question_id: uuid.UUID, clock: Clock
) -> schemas.HintRead:
    """The next hint of a question (practice mode); the count travels with the answer's event."""
    attempt, _assessment = await access_attempt(session, principal, attempt_id, own=True)
    if attempt.mode != AssessmentMode.PRACTICE:
        raise Conflict("Hints are given in practice mode only.")
    if attempt.status != IN_PROGRESS:
        raise Conflict("This attempt has been submitted.")
    item = next((i for i in attempt.items if i["question_id"] == str(question_id)), None)
    if item is None:
        raise NotFound("This question is not part of the attempt.")
    spec = await load_spec(session, question_id, item["version"])
    if not spec.hints:
        return schemas.HintRead(hints=[], hints_shown=0, hints_available=0)
    now = clock()
    table = AttemptAnswer.__table__
    stmt = (
        _upsert(session)(AttemptAnswer)
        .values(
            id=uuid.uuid4(),
            organisation_id=attempt.organisation_id,
            attempt_id=attempt.id,
            question_id=question_id,
            question_version=item["version"],
            answer={},
            answered=False,
            status="unanswered",
            score=0.0,
            tries=0,
            hints_shown=1,
            first_saved_at=None,
            saved_at=now,
        )
        .on_conflict_do_update(
            index_elements=["attempt_id", "question_id"],
            set_={
                "hints_shown": func.min(table.c.hints_shown + 1, len(spec.hints))
                if session.get_bind().dialect.name == "sqlite"
                else func.least(table.c.hints_shown + 1, len(spec.hints))
            },
        )
        .returning(AttemptAnswer.hints_shown)
    )
    shown = int((await session.execute(stmt)).scalar_one())
    return schemas.HintRead(
        hints=list(spec.hints[:shown]), hints_shown=shown, hints_available=len(spec.hints)
    )


# ---- submitting ---------------------------------------------------------------------------------


async def submit(
    session: AsyncSession, attempt: Attempt, assessment: Assessment, now: datetime, *, auto: bool
) -> None:
    """Close the attempt, score it, and record the events (no permission check: callers did)."""
    policy = AssessmentPolicy.model_validate(assessment.policy)
    rows = list(await session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id)))
    answered = [r for r in rows if r.answered]
    attempt.status = SUBMITTED
    attempt.auto_submitted = auto
    attempt.submitted_at = min(now, attempt.deadline_at) if auto and attempt.deadline_at else now
    _score(attempt, answered, policy)
    if attempt.mode != AssessmentMode.PRACTICE:
        bodies = {
            (r.question_id, r.version): r.body
            for r in await session.scalars(
                select(QuestionVersion).where(
                    QuestionVersion.question_id.in_([r.question_id for r in answered])
                )
            )
        }
        for row in answered:
            spec = spec_of(
                row.question_id, row.question_version, bodies[(row.question_id, row.question_version)]
            )
            record_event(
                session,
                _answered_event(
                    attempt,
                    assessment,
                    row.question_id,
                    row.question_version,
                    spec,
                    row,
                    attempt.submitted_at,
                ),
            )
    record_event(
        session,
        AttemptSubmitted(
            organisation_id=attempt.organisation_id,
            occurred_at=attempt.submitted_at,
            user_id=attempt.user_id,
            attempt_id=attempt.id,
            assessment_id=assessment.id,
            course_id=assessment.course_id,
            mode=attempt.mode,
            number=attempt.number,
            score=attempt.score or 0.0,
            passed=attempt.passed,
            pending=attempt.pending,
            question_count=len(attempt.items),
            auto_submitted=auto,
            duration_seconds=(attempt.submitted_at - attempt.started_at).total_seconds(),
        ),
    )
    await session.flush()


def _score(attempt: Attempt, answered: list[AttemptAnswer], policy: AssessmentPolicy) -> None:
    """Score = the mean over the attempt's questions (unanswered count 0); passed once nothing is pending."""
    total = len(attempt.items) or 1
    attempt.score = round(sum(r.score for r in answered if r.status == GradeStatus.GRADED) / total, 6)
    attempt.pending = sum(1 for r in answered if r.status == GradeStatus.PENDING)
    attempt.passed = None if attempt.pending else attempt.score >= policy.pass_mark


async def do_submit(
    session: AsyncSession, principal: Principal, attempt_id: uuid.UUID, clock: Clock
) -> schemas.AttemptRead:
    attempt, assessment = await access_attempt(session, principal, attempt_id, own=True)
    if attempt.status != IN_PROGRESS:
        raise Conflict("This attempt has already been submitted.")
    now = clock()
    await submit(session, attempt, assessment, now, auto=expired(attempt, now))
    return await attempt_view(session, principal, attempt, assessment, now)


async def do_grade_answer(
    session: AsyncSession,
    principal: Principal,
    attempt_id: uuid.UUID,
    question_id: uuid.UUID,
    data: schemas.ManualGrade,
    clock: Clock,
) -> schemas.AnswerResult:
    """A mentor's grade for an answer (free text, or overriding an automatic grade)."""
    attempt, assessment = await access_attempt(session, principal, attempt_id)
    if attempt.status != SUBMITTED:
        raise Conflict("Grade an attempt once it has been submitted.")
    row = await session.scalar(
        select(AttemptAnswer).where(
            AttemptAnswer.attempt_id == attempt.id, AttemptAnswer.question_id == question_id
        )
    )
    if row is None or not row.answered:
        raise NotFound("This question has no answer to grade.")
    row.score = data.score
    row.status = GradeStatus.GRADED.value
    row.mentor_feedback = data.feedback
    row.graded_by_id = principal.user_id
    answered = list(
        await session.scalars(
            select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id, AttemptAnswer.answered)
        )
    )
    _score(attempt, answered, AssessmentPolicy.model_validate(assessment.policy))
    spec = await load_spec(session, question_id, row.question_version)
    record_event(
        session,
        _answered_event(
            attempt, assessment, question_id, row.question_version, spec, row, clock(), by_mentor=True
        ),
    )
    await session.flush()
    return _answer_result(question_id, row, spec, True)


# ---- expiry -------------------------------------------------------------------------------------


async def submit_expired(
    db: Any, clock: Clock, *, attempt_id: uuid.UUID | None = None, batch: int = 200
) -> int:
    """Submit attempts past their deadline, each in its own transaction; safe to run anywhere, twice."""
    now = clock()
    async with db.session(write=False) as session:
        stmt = select(Attempt.id).where(Attempt.status == IN_PROGRESS, Attempt.deadline_at <= now)
        if attempt_id is not None:
            stmt = stmt.where(Attempt.id == attempt_id)
        ids = list(await session.scalars(stmt.order_by(Attempt.deadline_at).limit(batch)))
    done = 0
    for one in ids:
        async with db.session() as session:
            attempt = await session.get(
                Attempt, one, with_for_update=session.get_bind().dialect.name != "sqlite"
            )
            if attempt is None or not expired(attempt, now):
                continue  # submitted meanwhile
            assessment = await session.get_one(Assessment, attempt.assessment_id)
            await submit(session, attempt, assessment, now, auto=True)
            done += 1
    return done
