"""Assessments and attempts: starting, answering, submitting, grading, reviewing, expiring."""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import TypeAdapter
from sqlalchemy import Boolean, Text, bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.auth.deps import Principal
from starguide.content.bank import parse_spec
from starguide.content.models import Question, QuestionVersion
from starguide.content.questions import Answer, QuestionType
from starguide.content.render import render_text
from starguide.content.service import _org, access_course, enrolled_course_ids, is_enrolled
from starguide.db import Database
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
    session: AsyncSession,
    principal: Principal,
    attempt_id: uuid.UUID,
    *,
    own: bool = False,
    lock: bool = False,
) -> tuple[Attempt, Assessment]:
    """The attempt if it is the principal's (or, unless `own`, if the principal is a mentor); with
    `lock`, its row stays locked until the transaction ends (answer saves wait for it)."""
    pair: Any = select(Attempt, Assessment)
    stmt = (
        scoped(pair, Attempt, _org(principal))
        .join(Assessment, Assessment.id == Attempt.assessment_id)
        .where(Attempt.id == attempt_id)
    )
    if lock and session.get_bind().dialect.name != "sqlite":  # SQLite: the write transaction is the lock
        stmt = stmt.with_for_update(of=Attempt)
    row = (await session.execute(stmt)).first()
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
    answered = row if row is not None and row.answered else None
    if grade_ is None and answered is not None:
        try:
            grade_ = grade(spec, ANSWER.validate_python(answered.answer))
        except AnswerMismatch:  # pragma: no cover - answers are checked when saved
            grade_ = None
    return _reveal(result, spec, answered, grade_)


def _reveal(
    result: schemas.AnswerResult, spec: Any, answered: Any, grade_: Grade | None
) -> schemas.AnswerResult:
    """`result` with the grading shown: explanation, model answer and, for an answer (`answered`, its
    row), status, score and feedback."""
    best = model_answer(spec)
    result.revealed = True
    result.explanation = spec.explanation
    result.model_answer = best.model_dump(mode="json") if best else None
    if answered is not None:
        result.status = answered.status
        result.score = answered.score
        result.correct = answered.status == GradeStatus.GRADED and answered.score >= 1.0
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
    """Returned (not raised) when an answer came too late: nothing was saved, and the caller submits
    the attempt in a transaction of its own."""

    attempt_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class AttemptFacts:
    """What never changes about an attempt once started: whose it is, its questions and versions,
    its mode and deadline. Kept in process memory (`_remembered`), so that saving an answer reads
    nothing first; what does change (status, last activity) the write itself checks and moves."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    user_id: uuid.UUID
    assessment_id: uuid.UUID
    course_id: uuid.UUID | None
    mode: str
    deadline_at: datetime | None
    versions: dict[str, int]  # question id (as text) -> the version this attempt asks

    @classmethod
    def of(cls, attempt: Attempt, assessment: Assessment) -> AttemptFacts:
        return cls(
            id=attempt.id,
            organisation_id=attempt.organisation_id,
            user_id=attempt.user_id,
            assessment_id=assessment.id,
            course_id=assessment.course_id,
            mode=attempt.mode,
            deadline_at=attempt.deadline_at,
            versions={i["question_id"]: i["version"] for i in attempt.items},
        )


_FACTS: dict[uuid.UUID, AttemptFacts] = {}
_FACTS_MAX = 8192


async def _remembered(db: Database, principal: Principal, attempt_id: uuid.UUID) -> AttemptFacts:
    """The facts of the principal's own attempt, read once per process. A deleted attempt may still
    be remembered: the save finds no row to write and answers 404 then."""
    facts = _FACTS.get(attempt_id)
    if facts is None:
        async with db.session(write=False) as session:
            facts = AttemptFacts.of(*await access_attempt(session, principal, attempt_id, own=True))
        if len(_FACTS) >= _FACTS_MAX:
            del _FACTS[next(iter(_FACTS))]  # the oldest: attempts are answered soon after they start
        _FACTS[attempt_id] = facts
    if facts.user_id != principal.user_id or facts.organisation_id != principal.organisation_id:
        raise NotFound("No such attempt.")
    return facts


async def _cached_spec(db: Database, question_id: uuid.UUID, version: int) -> Any:
    spec = _SPECS.get((question_id, version))
    if spec is None:
        async with db.session(write=False) as session:
            spec = await load_spec(session, question_id, version)
    return spec


def _answered_event(
    facts: AttemptFacts,
    question_id: uuid.UUID,
    version: int,
    spec: Any,
    row: Any,
    occurred_at: datetime,
    *,
    by_mentor: bool = False,
) -> AnswerGraded:
    return AnswerGraded(
        organisation_id=facts.organisation_id,
        occurred_at=occurred_at,
        user_id=facts.user_id,
        attempt_id=facts.id,
        assessment_id=facts.assessment_id,
        course_id=facts.course_id,
        question_id=question_id,
        question_version=version,
        question_type=str(spec.type),
        skills=list(spec.skills),
        difficulty=spec.difficulty,
        status=row.status,
        score=row.score,
        correct=row.status == GradeStatus.GRADED and row.score >= 1.0,
        first_try=row.tries == 1,
        mode=facts.mode,
        hints_shown=row.hints_shown,
        time_taken_seconds=row.time_taken_seconds,
        graded_by_mentor=by_mentor,
    )


@dataclass(frozen=True)
class _Saved:
    """The answer row as the save left it (and, for the event, as it will be before it exists)."""

    status: str
    score: float
    tries: int = 1
    hints_shown: int = 0
    answered: bool = True
    time_taken_seconds: float | None = None
    mentor_feedback: str | None = None
    feedback_policy: str | None = None  # the assessment's, as it is now (mentors may change it)


async def do_save_answer(
    db: Database,
    principal: Principal,
    attempt_id: uuid.UUID,
    question_id: uuid.UUID,
    answer: Any,
    clock: Clock,
) -> schemas.AnswerResult | Expired:
    """Grade and keep the answer (saving again replaces it: one row per question, even when two
    saves race). Past the deadline nothing is saved: the caller submits the attempt."""
    facts = await _remembered(db, principal, attempt_id)
    now = clock()
    if facts.deadline_at is not None and now >= facts.deadline_at:
        return Expired(attempt_id)
    version = facts.versions.get(str(question_id))
    if version is None:
        raise NotFound("This question is not part of the attempt.")
    spec = await _cached_spec(db, question_id, version)
    try:
        result = grade(spec, answer)
    except AnswerMismatch as exc:
        raise InvalidInput(str(exc)) from None
    given = answer.model_dump(mode="json")
    saved = _Saved(status=result.status.value, score=result.score, answered=result.answered)
    emit = facts.mode == AssessmentMode.PRACTICE and result.answered
    if db.is_sqlite:
        row = await _write_answer_sqlite(db, facts, question_id, version, spec, given, saved, now, emit=emit)
    else:
        row = await _write_answer_pg(db, facts, question_id, version, spec, given, saved, now, emit=emit)
    if row is None:
        await _why_not_saved(db, attempt_id)
    reveal = facts.mode == AssessmentMode.PRACTICE or row.feedback_policy == FeedbackPolicy.IMMEDIATELY
    out = schemas.AnswerResult(
        question_id=question_id,
        answer=given if result.answered else None,
        saved_at=now if result.answered else None,
        tries=row.tries if result.answered else 0,
        hints_shown=row.hints_shown,
        hints=list(spec.hints[: row.hints_shown]),
        mentor_feedback=row.mentor_feedback,
    )
    return _reveal(out, spec, row if result.answered else None, result) if reveal else out


async def _why_not_saved(db: Database, attempt_id: uuid.UUID) -> NoReturn:
    """The write found no attempt in progress: it is gone, or it was submitted meanwhile."""
    async with db.session(write=False) as session:
        status = await session.scalar(select(Attempt.status).where(Attempt.id == attempt_id))
    if status is None:
        _FACTS.pop(attempt_id, None)
        raise NotFound("No such attempt.")
    raise Conflict("This attempt has been submitted; answers can no longer change.")


async def _write_answer_sqlite(
    db: Database,
    facts: AttemptFacts,
    question_id: uuid.UUID,
    version: int,
    spec: Any,
    given: dict[str, Any],
    saved: _Saved,
    now: datetime,
    *,
    emit: bool,
) -> _Saved | None:
    """The answer's upsert, the attempt's last activity and the event as separate statements in one
    write transaction (SQLite: a statement costs no round trip, and data-modifying CTEs do not exist)."""
    async with db.session() as session:
        live = (
            await session.execute(
                select(Attempt.last_activity_at, Assessment.policy["feedback_policy"].as_string())
                .join(Assessment, Assessment.id == Attempt.assessment_id)
                .where(Attempt.id == facts.id, Attempt.status == IN_PROGRESS)
            )
        ).first()
        if live is None:
            return None
        last_activity, feedback_policy = live
        taken = max(0.0, (now - last_activity).total_seconds())
        values = {
            "answer": given,
            "score": saved.score,
            "status": saved.status,
            "answered": saved.answered,
            "saved_at": now,
        }
        table = AttemptAnswer.__table__
        stmt = (
            sqlite_insert(AttemptAnswer)
            .values(
                id=uuid.uuid4(),
                organisation_id=facts.organisation_id,
                attempt_id=facts.id,
                question_id=question_id,
                question_version=version,
                tries=1,
                hints_shown=0,
                first_saved_at=now,
                time_taken_seconds=taken,
                **values,
            )
            .on_conflict_do_update(
                index_elements=["attempt_id", "question_id"],
                set_={
                    **values,
                    "tries": table.c.tries + 1,
                    # time to the first real answer: a hint may have made the row earlier
                    "time_taken_seconds": func.coalesce(table.c.time_taken_seconds, taken),
                    "first_saved_at": func.coalesce(table.c.first_saved_at, now),
                },
            )
            .returning(
                table.c.tries, table.c.hints_shown, table.c.time_taken_seconds, table.c.mentor_feedback
            )
        )
        tries, hints_shown, time_taken, mentor_feedback = (await session.execute(stmt)).one()
        await session.execute(update(Attempt).where(Attempt.id == facts.id).values(last_activity_at=now))
        row = replace(
            saved,
            tries=tries,
            hints_shown=hints_shown,
            time_taken_seconds=time_taken,
            mentor_feedback=mentor_feedback,
            feedback_policy=feedback_policy,
        )
        if emit:
            record_event(session, _answered_event(facts, question_id, version, spec, row, now))
    return row


# One statement, one round trip, committing by itself: lock the attempt while it is in progress (a
# concurrent submission waits, or makes this save find nothing), upsert the answer, move the attempt's
# last activity, and record the event with what only the upserted row knows (tries, hints, time
# taken). Data-modifying CTEs always run to completion, so all of it commits or none does.
_SAVE_ANSWER_PG = text(
    """
WITH live AS (
    SELECT id, last_activity_at FROM attempts
    WHERE id = :attempt_id AND status = 'in_progress'
    FOR NO KEY UPDATE
), saved AS (
    INSERT INTO attempt_answers (id, organisation_id, attempt_id, question_id, question_version, answer,
        score, status, answered, tries, hints_shown, time_taken_seconds, first_saved_at, saved_at)
    SELECT :id, :organisation_id, live.id, :question_id, :question_version, CAST(:answer AS jsonb),
        :score, :status, :answered, 1, 0,
        greatest(0, extract(epoch FROM :now - live.last_activity_at))::float8, :now, :now
    FROM live
    ON CONFLICT (attempt_id, question_id) DO UPDATE SET
        answer = excluded.answer, score = excluded.score, status = excluded.status,
        answered = excluded.answered, saved_at = excluded.saved_at,
        tries = attempt_answers.tries + 1,
        time_taken_seconds = coalesce(attempt_answers.time_taken_seconds, excluded.time_taken_seconds),
        first_saved_at = coalesce(attempt_answers.first_saved_at, excluded.first_saved_at)
    RETURNING tries, hints_shown, time_taken_seconds, mentor_feedback
), touched AS (
    UPDATE attempts SET last_activity_at = :now FROM live WHERE attempts.id = live.id
), recorded AS (
    INSERT INTO outbox_events (id, event_type, organisation_id, payload, occurred_at, available_at, attempts)
    SELECT :event_id, :event_type, :organisation_id,
        CAST(:payload AS jsonb) || jsonb_build_object(
            'first_try', saved.tries = 1,
            'hints_shown', saved.hints_shown,
            'time_taken_seconds', saved.time_taken_seconds
        ),
        :now, :now, 0
    FROM saved WHERE :emit
)
SELECT saved.tries, saved.hints_shown, saved.time_taken_seconds, saved.mentor_feedback,
    (SELECT policy ->> 'feedback_policy' FROM assessments WHERE id = :assessment_id) AS feedback_policy
FROM saved
"""
).bindparams(
    bindparam("answer", type_=Text),
    bindparam("payload", type_=Text),
    bindparam("now", type_=UTCDateTime),
    bindparam("emit", type_=Boolean),
)


async def _write_answer_pg(
    db: Database,
    facts: AttemptFacts,
    question_id: uuid.UUID,
    version: int,
    spec: Any,
    given: dict[str, Any],
    saved: _Saved,
    now: datetime,
    *,
    emit: bool,
) -> _Saved | None:
    """The save as one statement on the hot path (no session, no ORM): the attempt's facts come from
    memory, so this is the request's only round trip after sign-in."""
    # Tries, hints and time taken are filled in from the saved row by the statement itself.
    event = _answered_event(facts, question_id, version, spec, saved, now)
    rows = await db.hot_write(
        _SAVE_ANSWER_PG,
        {
            "attempt_id": facts.id,
            "id": uuid.uuid4(),
            "organisation_id": facts.organisation_id,
            "assessment_id": facts.assessment_id,
            "question_id": question_id,
            "question_version": version,
            "answer": json.dumps(given),
            "score": saved.score,
            "status": saved.status,
            "answered": saved.answered,
            "now": now,
            "event_id": event.event_id,
            "event_type": event.event_type,
            "payload": event.model_dump_json(),
            "emit": emit,
        },
        {"outbox_written": emit},
    )
    if not rows:
        return None
    tries, hints_shown, time_taken, mentor_feedback, feedback_policy = rows[0]
    return replace(
        saved,
        tries=tries,
        hints_shown=hints_shown,
        time_taken_seconds=time_taken,
        mentor_feedback=mentor_feedback,
        feedback_policy=feedback_policy,
    )


def _upsert(session: AsyncSession) -> Any:
    return sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert


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
                    AttemptFacts.of(attempt, assessment),
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
    # Locked: an answer saved while this submission reads the answers would be left out of its score.
    attempt, assessment = await access_attempt(session, principal, attempt_id, own=True, lock=True)
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
            AttemptFacts.of(attempt, assessment),
            question_id,
            row.question_version,
            spec,
            row,
            clock(),
            by_mentor=True,
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
