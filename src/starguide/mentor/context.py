"""What the mentor knows about the learner: where they are, how they are doing, what to quiz them on.

- **Where**: the conversation's course and lesson, or else the lesson the learner opened or completed
  most recently; their titles go into the prompt and the course's lessons rank first in retrieval.
- **How**: the learning engine's `learner_context` (level, streak, weakest skills by name, due reviews),
  fenced as data in the prompt.
- **Quiz me**: practice questions from the learner's due review cards first, then on their weakest
  skills; never a question of a graded attempt open for the learner, and never an answer key.
- **Help given**: the skills of the lessons a reply cites and the questions it explains or asks,
  recorded as `MentorHelpGiven`, so answers soon after count as assisted evidence.
- **Answers in the chat**: the learner's reply to the practice question the mentor asked, read as an
  answer only when it can be without doubt, graded by the quizzes' rules, recorded as an assisted
  `AnswerGraded`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.ai.providers.offline import PRACTICE_PREFIX as PRACTICE_PREFIX
from starguide.ai.types import Passage
from starguide.auth.deps import Principal
from starguide.content import service as content
from starguide.content.models import Course, Lesson, LessonProgress, Question, Skill
from starguide.content.questions import (
    Answer,
    MultipleChoiceAnswer,
    MultipleChoiceQuestion,
    NumericAnswer,
    NumericQuestion,
    ShortTextAnswer,
    ShortTextQuestion,
    SingleChoiceAnswer,
    SingleChoiceQuestion,
    TrueFalseAnswer,
    TrueFalseQuestion,
    visible_options,
)
from starguide.kit.errors import InvalidInput
from starguide.kit.events import AnswerGraded, MentorHelpGiven
from starguide.kit.tenancy import scoped
from starguide.learning.engine import skill_ids_for
from starguide.learning.links import skill_infos
from starguide.learning.queries import tenant
from starguide.learning.service import learner_context
from starguide.quizzes.grading import AnswerMismatch, grade
from starguide.quizzes.service import load_spec

EXPLANATION_PREFIX = "question:"
MAX_PRACTICE = 3
MAX_DUE_PRACTICE = 2
_CITED = re.compile(r"\[(\d{1,2})\]")


# ---- where the learner is ----------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """The course and lesson the learner is working on (either may be unknown)."""

    course_id: uuid.UUID | None = None
    course_title: str | None = None
    lesson_id: uuid.UUID | None = None
    lesson_title: str | None = None


async def check_place(
    session: AsyncSession, principal: Principal, course_id: uuid.UUID | None, lesson_id: uuid.UUID | None
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The course and lesson a conversation may be about, checked as the content domain checks a read.

    Another organisation's (or, for a learner, an unpublished) course or lesson is a 404; a learner not
    enrolled in the lesson's course gets the content domain's 403; a lesson of another course is a 422.
    A lesson alone brings its course.
    """
    if lesson_id is not None:
        lesson = await content.access_lesson(session, principal, lesson_id)
        if course_id is not None and course_id != lesson.course_id:
            raise InvalidInput("This lesson belongs to another course.")
        course_id = lesson.course_id
    if course_id is not None:
        await content.access_course(session, principal, course_id)
    return course_id, lesson_id


async def current_place(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    user_id: uuid.UUID,
    course_id: uuid.UUID | None,
    lesson_id: uuid.UUID | None,
    *,
    drafts: bool,
) -> Place:
    """The conversation's course and lesson; where they are not set, the learner's most recent lesson
    (in the conversation's course, when it has one). Unpublished content counts only with `drafts`
    (mentors and admins)."""

    def visible(stmt: Any) -> Any:
        return stmt if drafts else stmt.where(Course.published.is_(True), Lesson.published.is_(True))

    if lesson_id is None:
        recent = visible(
            scoped(select(LessonProgress.lesson_id), LessonProgress, organisation_id)
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .join(Course, Course.id == LessonProgress.course_id)
            .where(LessonProgress.user_id == user_id)
            .order_by(func.coalesce(LessonProgress.completed_at, LessonProgress.opened_at).desc())
            .limit(1)
        )
        if course_id is not None:
            recent = recent.where(LessonProgress.course_id == course_id)
        lesson_id = await session.scalar(recent)
    if lesson_id is not None:
        row = (
            await session.execute(
                visible(
                    tenant(select(Lesson.title, Course.id, Course.title), Lesson, organisation_id)
                    .join(Course, Course.id == Lesson.course_id)
                    .where(Lesson.id == lesson_id)
                )
            )
        ).first()
        if row is not None and (course_id is None or row[1] == course_id):
            return Place(row[1], row[2], lesson_id, row[0])
    if course_id is not None:
        stmt = scoped(select(Course.title), Course, organisation_id).where(Course.id == course_id)
        title = await session.scalar(stmt if drafts else stmt.where(Course.published.is_(True)))
        if title is not None:
            return Place(course_id, title)
    return Place()


async def conversation_lesson(
    session: AsyncSession, organisation_id: uuid.UUID, lesson_id: uuid.UUID, *, drafts: bool
) -> Lesson | None:
    """The lesson a conversation is about, as course material (published, unless `drafts`)."""
    stmt = scoped(select(Lesson), Lesson, organisation_id).where(Lesson.id == lesson_id)
    return await session.scalar(stmt if drafts else stmt.where(Lesson.searchable.is_(True)))


# ---- how the learner is doing -------------------------------------------------------------------


@dataclass(frozen=True)
class LearnerFacts:
    """The learner's progress as the prompt states it, and what "quiz me" draws on."""

    summary: str
    weakest_skill_ids: list[uuid.UUID] = field(default_factory=list)
    due_question_ids: list[uuid.UUID] = field(default_factory=list)


async def learner_facts(
    session: AsyncSession, organisation_id: uuid.UUID, user_id: uuid.UUID, now: datetime
) -> LearnerFacts:
    ctx = await learner_context(session, organisation_id, user_id, now)
    infos = await skill_infos(session, organisation_id, [s for s, _ in ctx.weakest_skills])
    lines = [f"Level {ctx.level} ({ctx.xp_total} XP); streak of {ctx.streak} day(s)."]
    named = [(infos[s].name, p) for s, p in ctx.weakest_skills if s in infos]
    if named:
        lines.append(
            "Weakest skills (chance of answering an average question right): "
            + ", ".join(f"{name} ({round(100 * p)} %)" for name, p in named)
            + "."
        )
    else:
        lines.append("No skill practised yet.")
    lines.append(f"Questions due for review: {ctx.due_reviews}.")
    return LearnerFacts(
        summary="\n".join(lines),
        weakest_skill_ids=[s for s, _ in ctx.weakest_skills if s in infos],
        due_question_ids=list(ctx.due_question_ids),
    )


# ---- quiz me -------------------------------------------------------------------------------------


def practice_text(spec: Any) -> str:
    """A question as the learner would see it in practice: its text and options, never its answer."""
    return "\n".join([spec.text.strip(), *(f"- {o}" for o in visible_options(spec))])


def asked_before(flags: Iterable[dict[str, Any] | None]) -> list[str]:
    """Practice question ids the mentor has already put first in this conversation (oldest first)."""
    return [f["practice"][0] for f in flags if f and f.get("practice")]


async def practice_questions(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    facts: LearnerFacts,
    *,
    exclude: Collection[uuid.UUID],
    asked: Sequence[str] = (),
) -> list[Passage]:
    """Up to `MAX_PRACTICE` questions: due reviews first, then the weakest skills'; questions not yet
    asked in this conversation first, then the least recently asked (the first one is the one to ask).
    Questions in `exclude` (an open graded attempt's) never appear."""
    due = [q for q in facts.due_question_ids if q not in exclude]
    candidates: list[uuid.UUID] = due[:MAX_DUE_PRACTICE]
    skills = (
        (
            await session.execute(
                tenant(select(Skill.id, Skill.course_id, Skill.slug), Skill, organisation_id).where(
                    Skill.id.in_(facts.weakest_skill_ids)
                )
            )
        ).all()
        if facts.weakest_skill_ids
        else []
    )
    order = {s: n for n, s in enumerate(facts.weakest_skill_ids)}
    for _skill, skill_course, slug in sorted(skills, key=lambda r: order.get(r[0], 99)):
        bank = await session.execute(
            tenant(select(Question.id, Question.skills), Question, organisation_id)
            .where(Question.course_id == skill_course, Question.archived.is_(False))
            .order_by(Question.difficulty, Question.key)
            .limit(200)
        )
        for question_id, slugs in bank.all():
            if slug in (slugs or []) and question_id not in exclude and question_id not in candidates:
                candidates.append(question_id)
    # Prefer what this conversation has not asked yet; the least recently asked next.
    recency = {q: n for n, q in enumerate(asked)}
    candidates.sort(key=lambda q: recency.get(str(q), -1))
    versions: dict[uuid.UUID, int] = {}
    if candidates:
        rows = await session.execute(
            tenant(select(Question.id, Question.version), Question, organisation_id).where(
                Question.id.in_(candidates[: MAX_PRACTICE * 3]), Question.archived.is_(False)
            )
        )
        versions.update((r[0], r[1]) for r in rows.all())
    out: list[Passage] = []
    for question_id in candidates:
        if question_id not in versions:
            continue
        spec = await load_spec(session, question_id, versions[question_id])
        source = "due for review" if question_id in due else "weak skill"
        out.append(
            Passage(f"{PRACTICE_PREFIX}{question_id}", f"Practice question ({source})", practice_text(spec))
        )
        if len(out) == MAX_PRACTICE:
            break
    return out


# ---- help given ----------------------------------------------------------------------------------


async def lesson_skills(
    session: AsyncSession, organisation_id: uuid.UUID, passages: Sequence[Passage]
) -> dict[str, list[str]]:
    """For each lesson passage, the learning engine's ids of its skills (as `AnswerGraded` resolves them)."""
    ids = []
    for p in passages:
        try:
            ids.append(uuid.UUID(p.source_id))
        except ValueError:
            continue
    if not ids:
        return {}
    rows = (
        await session.execute(
            tenant(select(Lesson.id, Lesson.course_id, Lesson.skills), Lesson, organisation_id).where(
                Lesson.id.in_(ids)
            )
        )
    ).all()
    return {
        str(lesson_id): [
            str(s) for s in await skill_ids_for(session, organisation_id, course_id, slugs or [])
        ]
        for lesson_id, course_id, slugs in rows
    }


def _after(passage: Passage, prefix: str) -> str:
    return passage.source_id[len(prefix) :]


def help_given(
    organisation_id: uuid.UUID,
    learner_id: uuid.UUID,
    passages: Sequence[Passage],
    skills: dict[str, list[str]],
    text: str,
    at: datetime,
) -> MentorHelpGiven | None:
    """What a reply helped with: the skills of the lessons it cites (all of them when it cites none by
    number), the questions whose explanations it cites, and the practice questions it was given."""
    numbered = [p for p in passages if not p.source_id.startswith(PRACTICE_PREFIX)]
    cited = {int(n) for n in _CITED.findall(text)}
    sources = [p for n, p in enumerate(numbered, start=1) if n in cited] or numbered
    skill_ids = list(dict.fromkeys(s for p in sources for s in skills.get(p.source_id, [])))
    questions = [
        p.source_id[len(EXPLANATION_PREFIX) :] for p in sources if p.source_id.startswith(EXPLANATION_PREFIX)
    ]
    questions += [
        p.source_id[len(PRACTICE_PREFIX) :] for p in passages if p.source_id.startswith(PRACTICE_PREFIX)
    ]
    if not skill_ids and not questions:
        return None
    return MentorHelpGiven(
        organisation_id=organisation_id,
        learner_id=learner_id,
        skill_ids=[uuid.UUID(s) for s in skill_ids],
        question_ids=[uuid.UUID(q) for q in dict.fromkeys(questions)],
        occurred_at=at,
    )


# ---- an answer to the mentor's practice question -------------------------------------------------

_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?(?:e[+-]?\d+)?", re.IGNORECASE)
_TRUTH = {"true": True, "false": False}
MAX_CHAT_ANSWER = 200


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def chat_answer(spec: Any, text: str) -> Answer | None:
    """The learner's chat message as an answer to `spec`, when it can be read as one without doubt:
    exactly one option named (single choice), the options named (multiple choice, not as a question),
    exactly one of true/false, exactly one number (with its unit), or a short text. Anything else
    (ordering, matching, free text, a question back, two options for one) is no answer."""
    text = text.strip()
    if not text or len(text) > MAX_CHAT_ANSWER:
        return None
    words = f" {_words(text)} "
    if isinstance(spec, SingleChoiceQuestion | MultipleChoiceQuestion):
        named = [c.id for c in spec.choices if _words(c.text) and f" {_words(c.text)} " in words]
        if isinstance(spec, MultipleChoiceQuestion):
            return MultipleChoiceAnswer(choices=named) if named and "?" not in text else None
        return SingleChoiceAnswer(choice=named[0]) if len(named) == 1 else None
    if isinstance(spec, TrueFalseQuestion):
        said = {value for word, value in _TRUTH.items() if f" {word} " in words}
        return TrueFalseAnswer(value=said.pop()) if len(said) == 1 else None
    if isinstance(spec, NumericQuestion):
        numbers = list(_NUMBER.finditer(text))
        if len(numbers) != 1:
            return None
        unit = re.match(r"\s*([^\W\d_][\w/^-]*)", text[numbers[0].end() :])
        value = numbers[0].group() + (f" {unit.group(1)}" if unit and spec.units else "")
        return NumericAnswer(value=value[:64])
    if isinstance(spec, ShortTextQuestion) and "?" not in text:
        return ShortTextAnswer(text=text)
    return None


def asked_question(reply_text: str, flags: dict[str, Any] | None) -> uuid.UUID | None:
    """The practice question a reply asked: the first of those it was given whose text it quotes."""
    flags = flags or {}
    practice = flags.get("practice") or []
    # `asked_text` (the first question's only) is how replies stored before `asked_texts` say it.
    texts = flags.get("asked_texts") or [flags.get("asked_text", "")]
    reply = _words(reply_text)
    for question_id, text in zip(practice, texts, strict=False):
        if _words(text) and _words(text) in reply:
            return uuid.UUID(question_id)
    return None


async def grade_chat_answer(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    user_id: uuid.UUID,
    question_id: uuid.UUID,
    text: str,
    *,
    exclude: Collection[uuid.UUID],
    message_id: uuid.UUID,
    conversation_id: uuid.UUID,
    at: datetime,
) -> AnswerGraded | None:
    """The learner's answer to the practice question the mentor asked, graded as a quiz would grade it,
    as an assisted `AnswerGraded` (the chat is its attempt); None when the message is not an answer."""
    if question_id in exclude:
        return None
    row = (
        await session.execute(
            tenant(
                select(Question.version, Question.course_id, Question.difficulty, Question.skills),
                Question,
                organisation_id,
            ).where(Question.id == question_id, Question.archived.is_(False))
        )
    ).first()
    if row is None:
        return None
    version, course_id, difficulty, skills = row
    spec = await load_spec(session, question_id, version)
    answer = chat_answer(spec, text)
    if answer is None:
        return None
    try:
        result = grade(spec, answer)
    except AnswerMismatch:
        return None
    return AnswerGraded(
        organisation_id=organisation_id,
        user_id=user_id,
        attempt_id=message_id,
        assessment_id=conversation_id,
        course_id=course_id,
        question_id=question_id,
        question_version=version,
        question_type=str(spec.type),
        skills=list(spec.skills or skills or []),
        difficulty=difficulty,
        status="graded",
        score=result.score,
        correct=result.correct,
        first_try=True,
        mode="mentor",
        hints_shown=0,
        time_taken_seconds=None,
        assisted=True,
        occurred_at=at,
    )
