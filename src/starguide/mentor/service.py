"""Mentor conversations, stored per learner and organisation; replies grounded in its lessons."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import anyio
from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.ai.config import Deployment
from starguide.ai.ledger import released
from starguide.ai.providers.offline import key_terms
from starguide.ai.router import StreamFailed, StreamFinished
from starguide.ai.service import MeteredCall, reserve_call
from starguide.ai.sse import sse_event
from starguide.ai.types import Passage, ProviderError, TextDelta
from starguide.content.models import Lesson
from starguide.content.search import search_lessons
from starguide.kit.errors import NotFound, ProblemError
from starguide.kit.events import AnswerGraded
from starguide.kit.outbox import record_event
from starguide.kit.tenancy import scoped
from starguide.kit.time import Clock
from starguide.mentor import context
from starguide.mentor.guard import OutputGuard, answer_patterns, open_graded_questions
from starguide.mentor.models import MentorConversation, MentorMessage, MentorSafetyAlert
from starguide.mentor.oversight import reviewers_of
from starguide.mentor.prompts import Mode, Turn, build_request
from starguide.mentor.safety import categories, check_text, kind_message, provider_category
from starguide.mentor.schemas import AlertNotice
from starguide.quizzes.models import Assessment, Attempt, AttemptAnswer
from starguide.quizzes.service import load_spec
from starguide.realtime.server import user_room

logger = logging.getLogger("starguide.mentor")

ALIAS = "mentor-default"
MAX_PASSAGES = 4
HISTORY_MESSAGES = 40
MAX_EXPLANATIONS = 2
MODERATION_TIMEOUT = 5.0
NOTICE = (
    "This conversation is not private: the mentors of the courses you are enrolled in and your "
    "organisation's admins can read it. Messages that look unsafe are held and shown to them."
)


async def access_conversation(
    session: AsyncSession, organisation_id: uuid.UUID, user_id: uuid.UUID, conversation_id: uuid.UUID
) -> MentorConversation:
    """The learner's own conversation, or 404 (another learner's, another organisation's, or none)."""
    found = await session.scalar(
        scoped(select(MentorConversation), MentorConversation, organisation_id).where(
            MentorConversation.id == conversation_id, MentorConversation.user_id == user_id
        )
    )
    if found is None:
        raise NotFound("No such conversation.")
    return found


def list_conversations_stmt(organisation_id: uuid.UUID, user_id: uuid.UUID, q: str | None) -> Select[Any]:
    stmt = scoped(select(MentorConversation), MentorConversation, organisation_id).where(
        MentorConversation.user_id == user_id
    )
    if q:
        pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        in_messages = (
            select(MentorMessage.conversation_id)
            .where(
                MentorMessage.organisation_id == organisation_id,
                func.lower(MentorMessage.content).like(pattern, escape="\\"),
            )
            .scalar_subquery()
        )
        stmt = stmt.where(
            or_(
                func.lower(MentorConversation.title).like(pattern, escape="\\"),
                MentorConversation.id.in_(in_messages),
            )
        )
    return stmt.order_by(MentorConversation.updated_at.desc(), MentorConversation.id.desc())


async def list_messages(
    session: AsyncSession, conversation: MentorConversation, *, last: int | None = None
) -> list[MentorMessage]:
    """The conversation's messages, oldest first; only the `last` few when given."""
    stmt = scoped(select(MentorMessage), MentorMessage, conversation.organisation_id).where(
        MentorMessage.conversation_id == conversation.id
    )
    if last is None:
        return list(await session.scalars(stmt.order_by(MentorMessage.created_at, MentorMessage.id)))
    newest = stmt.order_by(MentorMessage.created_at.desc(), MentorMessage.id.desc()).limit(last)
    return list(reversed((await session.scalars(newest)).all()))


async def retrieve_passages(
    session: AsyncSession, organisation_id: uuid.UUID, question: str, course_id: uuid.UUID | None = None
) -> list[Passage]:
    """The organisation's published lessons most relevant to `question`.

    The content search matches every word; a learner's question has many, so when the whole question
    finds nothing, each significant word is searched alone and lessons found by more words rank first.
    Lessons of `course_id` (the course the learner is on) come before other courses' partial matches.
    """
    wide = MAX_PASSAGES * 2 if course_id is not None else MAX_PASSAGES
    hits = await search_lessons(session, organisation_id, question, wide)
    ranked: dict[uuid.UUID, tuple[int, float]] = {h.lesson_id: (100, h.rank) for h in hits}
    courses = {h.lesson_id: h.course_id for h in hits}
    if len(ranked) < MAX_PASSAGES:
        for term in sorted(key_terms(question), key=len, reverse=True)[:8]:
            for hit in await search_lessons(session, organisation_id, term, wide):
                votes, rank = ranked.get(hit.lesson_id, (0, hit.rank))
                ranked[hit.lesson_id] = (votes + 1, min(rank, hit.rank))
                courses[hit.lesson_id] = hit.course_id

    def order(i: uuid.UUID) -> tuple[bool, bool, int, float]:
        votes, rank = ranked[i]
        return (votes < 100, courses.get(i) != course_id, -votes, rank)

    best = sorted(ranked, key=order)[:MAX_PASSAGES]
    if not best:
        return []
    lessons = {
        lesson.id: lesson
        for lesson in await session.scalars(
            scoped(select(Lesson), Lesson, organisation_id).where(
                Lesson.id.in_(best), Lesson.searchable.is_(True)
            )
        )
    }
    # The lesson reader's page in the web app: the offline mentor links its sources there.
    return [Passage(str(i), lessons[i].title, lessons[i].body, f"/lessons/{i}") for i in best if i in lessons]


def _feedback_released(mode: str, status: str, policy: dict[str, Any], closes_at: Any, now: Any) -> bool:
    """Whether the learner has been shown this attempt's explanations (the quizzes' feedback policy)."""
    if mode == "practice":
        return True
    feedback = policy.get("feedback_policy", "after_submit")
    if feedback == "immediately":
        return True
    if status != "submitted":
        return False
    return feedback == "after_submit" or closes_at is None or now >= closes_at


async def retrieve_explanations(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    user_id: uuid.UUID,
    question: str,
    now: Any,
    exclude: set[uuid.UUID],
) -> list[Passage]:
    """Explanations of questions whose feedback this learner has already received, most relevant first.

    Questions of a graded attempt still open (`exclude`) never appear, whatever the feedback policy.
    """
    terms = key_terms(question)
    if not terms:
        return []
    columns: Any = select(
        AttemptAnswer.question_id,
        AttemptAnswer.question_version,
        Attempt.mode,
        Attempt.status,
        Assessment.policy,
        Assessment.closes_at,
    )
    rows = (
        await session.execute(
            scoped(columns, AttemptAnswer, organisation_id)
            .join(Attempt, Attempt.id == AttemptAnswer.attempt_id)
            .join(Assessment, Assessment.id == Attempt.assessment_id)
            .where(Attempt.user_id == user_id, AttemptAnswer.answered.is_(True))
            .order_by(AttemptAnswer.saved_at.desc())
            .limit(200)
        )
    ).all()
    seen: set[uuid.UUID] = set()
    scored: list[tuple[int, Passage]] = []
    for question_id, version, mode, status, policy, closes_at in rows:
        if question_id in seen or question_id in exclude:
            continue
        if not _feedback_released(mode, status, policy or {}, closes_at, now):
            continue
        seen.add(question_id)
        spec = await load_spec(session, question_id, version)
        if not spec.explanation:
            continue
        overlap = len(terms & key_terms(f"{spec.title or ''} {spec.text} {spec.explanation}"))
        if overlap:
            title = spec.title or (spec.text if len(spec.text) <= 80 else spec.text[:79] + "…")
            passage = Passage(f"question:{question_id}", f"Explanation: {title}", spec.explanation)
            scored.append((overlap, passage))
    scored.sort(key=lambda item: -item[0])
    return [p for _, p in scored[:MAX_EXPLANATIONS]]


async def provider_moderation(
    runtime: Any, deployments: list[Deployment], keys: dict[str, str], text: str
) -> list[str]:
    """The first deployment with a moderation endpoint (OpenAI's) judges `text`: its flagged categories.

    A moderation endpoint that fails lets the text through: the built-in filter has already run.
    """
    for deployment in deployments:
        if deployment.provider != "openai":
            continue
        provider = runtime.ai.provider(deployment, keys.get(deployment.provider) or deployment.api_key)
        try:
            verdict = await asyncio.wait_for(provider.moderate(text), MODERATION_TIMEOUT)
        except (ProviderError, TimeoutError) as exc:
            logger.warning(
                "provider moderation failed", extra={"deployment": deployment.name, "error": str(exc)}
            )
            return []
        if verdict is None or not verdict.flagged:
            return []
        return sorted({provider_category(c) for c in verdict.categories} or {"flagged"})
    return []


@dataclass
class Reply:
    """A reply being prepared: the learner's message is stored, the call reserved."""

    conversation_id: uuid.UUID
    organisation_id: uuid.UUID
    user_message_id: uuid.UUID
    user_id: uuid.UUID
    mode: Mode
    passages: list[Passage]
    call: MeteredCall
    answer_patterns: list[re.Pattern[str]] = field(default_factory=list)
    moderator: tuple[Deployment, str | None] | None = None  # who moderates input and output, if anyone
    content: str = ""  # the learner's message, for the provider's moderation
    lesson_skills: dict[str, list[str]] = field(default_factory=dict)  # lesson id -> the engine's skill ids


@dataclass
class Held:
    """The learner's message was held by moderation: no model is asked; they read a kind message."""

    user_message_id: uuid.UUID
    reply_id: uuid.UUID
    text: str


@dataclass
class _Material:
    """What a reply is built from, all read before anything is written."""

    history: list[MentorMessage]
    open_questions: dict[uuid.UUID, Any]
    place: Any
    facts: Any
    passages: list[Passage]
    practice: list[Passage]
    skills: dict[str, list[str]]


async def do_post_message(
    runtime: Any,
    *,
    organisation_id: uuid.UUID,
    conversation_id: uuid.UUID,
    user_id: uuid.UUID,
    learner: bool,
    content: str,
    mode: Mode | None,
    hint_level: int,
) -> Reply | Held:
    """Store the learner's message, moderate it, retrieve material, build the prompt, reserve the call.

    Retrieval and the learner's facts are read first, in a read of their own; the write that follows
    (the message, a graded answer, the reservation) is short. On SQLite writes run one at a time, so a
    class asking together does not queue behind each other's searches."""
    now = runtime.clock()
    flagged = categories(check_text(content))  # the built-in filter; the provider's runs in the stream
    material = None
    if not flagged:
        async with runtime.db.session(write=False) as read:
            conversation = await access_conversation(read, organisation_id, user_id, conversation_id)
            material = await _read_material(read, conversation, user_id, learner, content, mode, now)
    async with runtime.db.session() as session:
        # Read again in the write: the conversation may have been deleted in between (404).
        conversation = await access_conversation(session, organisation_id, user_id, conversation_id)
        chosen = mode or Mode(conversation.mode)
        message = MentorMessage(
            organisation_id=organisation_id,
            conversation_id=conversation.id,
            role="user",
            content=content,
            mode=chosen.value,
            created_at=now,
        )
        session.add(message)
        conversation.updated_at = now
        if material is None:
            return await _hold_input(
                session, runtime.realtime, message, user_id, chosen, flagged, "builtin", now
            )
        answered = await _answer_to_practice(
            session, conversation, material.history, message, user_id, material.open_questions, now
        )
        request = build_request(
            mode=chosen,
            question=content,
            history=[Turn(m.role, m.content) for m in material.history if _in_prompt(m)],
            passages=material.passages,
            course=material.place.course_title,
            lesson=material.place.lesson_title,
            learner=material.facts.summary,
            practice=material.practice,
            answered=None if answered is None else answered.correct,
            hint_level=hint_level,
        )
        call = await reserve_call(
            session,
            runtime,
            organisation_id=organisation_id,
            user_id=user_id,
            learner=learner,
            alias=ALIAS,
            request=request,
        )
        await session.flush()
    moderator = next(
        ((d, call.org.keys.get(d.provider) or d.api_key) for d in call.deployments if d.provider == "openai"),
        None,
    )
    return Reply(
        conversation_id,
        organisation_id,
        message.id,
        user_id,
        chosen,
        list(request.passages),
        call,
        answer_patterns(material.open_questions.values()),
        moderator,
        content,
        material.skills,
    )


async def _read_material(
    session: AsyncSession,
    conversation: MentorConversation,
    user_id: uuid.UUID,
    learner: bool,
    content: str,
    mode: Mode | None,
    now: datetime,
) -> _Material:
    organisation_id = conversation.organisation_id
    history = await list_messages(session, conversation, last=HISTORY_MESSAGES)
    open_questions = await open_graded_questions(session, organisation_id, user_id, now)
    place = await context.current_place(
        session, organisation_id, user_id, conversation.course_id, conversation.lesson_id, drafts=not learner
    )
    facts = await context.learner_facts(session, organisation_id, user_id, now)
    passages = await retrieve_passages(session, organisation_id, content, place.course_id)
    if conversation.lesson_id is not None and len(passages) < MAX_PASSAGES:
        # A conversation about a lesson has that lesson as material, even when the words miss it.
        lesson = await context.conversation_lesson(
            session, organisation_id, conversation.lesson_id, drafts=not learner
        )
        if lesson is not None and all(p.source_id != str(lesson.id) for p in passages):
            passages.append(Passage(str(lesson.id), lesson.title, lesson.body, f"/lessons/{lesson.id}"))
    passages += await retrieve_explanations(
        session, organisation_id, user_id, content, now, exclude=set(open_questions)
    )
    practice = (
        await context.practice_questions(
            session,
            organisation_id,
            facts,
            exclude=set(open_questions),
            asked=context.asked_before(m.flags for m in history if m.role == "assistant"),
        )
        if (mode or Mode(conversation.mode)) is Mode.QUIZ
        else []
    )
    skills = await context.lesson_skills(session, organisation_id, passages)
    return _Material(history, open_questions, place, facts, passages, practice, skills)


async def _answer_to_practice(
    session: AsyncSession,
    conversation: MentorConversation,
    history: list[MentorMessage],
    message: MentorMessage,
    user_id: uuid.UUID,
    open_questions: dict[uuid.UUID, Any],
    now: Any,
) -> AnswerGraded | None:
    """When the mentor's last reply asked a practice question and this message answers it, the answer
    is graded and recorded (assisted: the mentor asked it)."""
    last = history[-1] if history else None
    if last is None or last.role != "assistant" or last.status not in ("complete", "partial"):
        return None
    question_id = context.asked_question(last.content, last.flags)
    if question_id is None:
        return None
    await session.flush()  # the learner's message gets its id: the answer's "attempt"
    event = await context.grade_chat_answer(
        session,
        conversation.organisation_id,
        user_id,
        question_id,
        message.content,
        exclude=set(open_questions),
        message_id=message.id,
        conversation_id=conversation.id,
        at=now,
    )
    if event is not None:
        record_event(session, event)
        message.flags = {"answered": str(question_id), "score": event.score}
    return event


def _in_prompt(message: MentorMessage) -> bool:
    """Held messages and the kind messages that answered them never reach a model."""
    return bool(message.content) and message.status != "held" and message.model != "safety"


async def notify_reviewers(session: AsyncSession, realtime: Any, alert: MentorSafetyAlert) -> None:
    """Tell each mentor and admin who may review the alert, once it is committed (`mentor.alert`)."""
    if realtime is None:
        return
    notice = AlertNotice(
        alert_id=alert.id,
        conversation_id=alert.conversation_id,
        learner_id=alert.learner_id,
        direction=alert.direction,
        categories=list(alert.categories),
    )
    for reviewer in await reviewers_of(session, alert.organisation_id, alert.learner_id):
        realtime.emit_after_commit(session, "mentor.alert", notice, room=user_room(reviewer))


async def _hold_input(
    session: AsyncSession,
    realtime: Any,
    message: MentorMessage,
    user_id: uuid.UUID,
    mode: Mode,
    flagged: list[str],
    source: str,
    now: Any,
) -> Held:
    message.status = "held"
    message.flags = {"categories": flagged, "source": source, "direction": "input"}
    await session.flush()
    text = kind_message(flagged)
    reply = MentorMessage(
        organisation_id=message.organisation_id,
        conversation_id=message.conversation_id,
        role="assistant",
        content=text,
        mode=mode.value,
        status="complete",
        model="safety",
        flags={"notice": True},
        created_at=now + timedelta(microseconds=1),  # after the learner's message, in every listing
    )
    session.add(reply)
    await session.flush()
    alert = MentorSafetyAlert(
        organisation_id=message.organisation_id,
        conversation_id=message.conversation_id,
        message_id=message.id,
        learner_id=user_id,
        direction="input",
        categories=flagged,
        source=source,
        status="open",
        created_at=now,
    )
    session.add(alert)
    await session.flush()
    await notify_reviewers(session, realtime, alert)
    logger.info("mentor message held", extra={"categories": flagged, "source": source})
    return Held(message.id, reply.id, text)


async def stream_held(held: Held) -> AsyncGenerator[bytes, None]:
    yield sse_event("message", {"id": str(held.user_message_id), "citations": []})
    yield sse_event("held", {"message_id": str(held.reply_id), "text": held.text})


def citations_of(passages: list[Passage]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    numbered = [p for p in passages if not p.source_id.startswith(context.PRACTICE_PREFIX)]
    for n, p in enumerate(numbered, start=1):
        if p.source_id.startswith("question:"):
            out.append({"n": n, "kind": "question", "question_id": p.source_id[9:], "title": p.title})
        else:
            out.append({"n": n, "kind": "lesson", "lesson_id": p.source_id, "title": p.title})
    return out


async def stream_reply(
    reply: Reply, db: Any, clock: Clock, runtime: Any = None
) -> AsyncGenerator[bytes, None]:
    """SSE: `message`, `delta` {text}, then `done`, `held` or `error`; the reply is stored however it ends.

    The text passes through the output guard: answers to the learner's open graded questions are
    hidden, and a reply the moderation filter flags is stopped and held.
    """
    guard = OutputGuard(reply.answer_patterns)
    final: StreamFinished | StreamFailed | None = None
    problem: ProblemError | None = None
    held: tuple[list[str], str] | None = None
    if reply.moderator is not None and runtime is not None:
        flagged = await provider_moderation(runtime, [reply.moderator[0]], _keys(reply), reply.content)
        if flagged:
            held_input = await _hold_after_commit(reply, runtime, flagged)
            async for chunk in stream_held(held_input):
                yield chunk
            return
    yield sse_event("message", {"id": str(reply.user_message_id), "citations": citations_of(reply.passages)})
    try:
        # Closed explicitly: when the learner leaves, the upstream call must stop now, not at GC.
        async with contextlib.aclosing(reply.call.stream()) as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    out = guard.feed(event.text)
                    if out:
                        yield sse_event("delta", {"text": out})
                    if guard.blocked:
                        held = (categories(guard.flags), "builtin")
                        break  # closing the stream stops the model
                else:
                    final = event
        if held is None:
            tail = guard.flush()
            if tail:
                yield sse_event("delta", {"text": tail})
            if isinstance(final, StreamFinished) and reply.moderator is not None and runtime is not None:
                flagged = await provider_moderation(
                    runtime, [reply.moderator[0]], _keys(reply), "".join(guard.raw)
                )
                if flagged:
                    held = (flagged, "provider")
    except ProblemError as exc:
        problem = exc
    finally:
        with anyio.CancelScope(shield=True):
            message_id = await _store_reply(
                reply, db, clock, guard, final, problem, held, runtime.realtime if runtime else None
            )
    if held is not None:
        yield sse_event("held", {"message_id": str(message_id), "text": kind_message(held[0], output=True)})
    elif problem is not None:
        yield sse_event("error", {"status": problem.status, "title": problem.title, "detail": problem.detail})
    elif isinstance(final, StreamFailed):
        yield sse_event(
            "error",
            {
                "message_id": str(message_id),
                "detail": "The answer was cut off; what arrived is kept.",
                "kind": final.error.kind.value,
            },
        )
    else:
        yield sse_event("done", {"message_id": str(message_id), "citations": citations_of(reply.passages)})


async def _hold_after_commit(reply: Reply, runtime: Any, flagged: list[str]) -> Held:
    """The provider flagged the learner's message: hold it, and release the reserved call unused."""
    call = reply.call
    call.result = released(call.alias)
    held: Held | None = None
    with anyio.CancelScope(shield=True):
        await call.settle()
        async with runtime.db.session() as session:
            message = await session.get_one(MentorMessage, reply.user_message_id)
            held = await _hold_input(
                session,
                runtime.realtime,
                message,
                reply.user_id,
                reply.mode,
                flagged,
                "provider",
                runtime.clock(),
            )
    assert held is not None
    return held


def _is_practice(passage: Passage) -> bool:
    return passage.source_id.startswith(context.PRACTICE_PREFIX)


def _keys(reply: Reply) -> dict[str, str]:
    assert reply.moderator is not None
    deployment, key = reply.moderator
    return {deployment.provider: key} if key else {}


async def _store_reply(
    reply: Reply,
    db: Any,
    clock: Clock,
    guard: OutputGuard,
    final: StreamFinished | StreamFailed | None,
    problem: ProblemError | None,
    held: tuple[list[str], str] | None,
    realtime: Any = None,
) -> uuid.UUID | None:
    result = final.result if final is not None else reply.call.result
    text = guard.text
    if not guard.raw and problem is not None:
        return None
    flags: dict[str, Any] | None = None
    if held is not None:
        status = "held"
        text = "".join(guard.raw)  # kept whole for the reviewers; the learner reads a kind message
        flags = {"categories": held[0], "source": held[1], "direction": "output"}
    else:
        status = "complete" if isinstance(final, StreamFinished) else "partial"
    if guard.redactions:
        flags = {**(flags or {}), "redactions": guard.redactions}
    practice = [p for p in reply.passages if _is_practice(p)]
    if practice:
        # The first is the one to ask: the next "quiz me" prefers others. The learner's next message is
        # read as the answer to whichever of them the reply quoted.
        flags = {
            **(flags or {}),
            "practice": [p.source_id[len(context.PRACTICE_PREFIX) :] for p in practice],
            "asked_texts": [p.text.split("\n", 1)[0][:500] for p in practice],
        }
    deployment = result.deployment if result else None
    now = clock()
    message = MentorMessage(
        organisation_id=reply.organisation_id,
        conversation_id=reply.conversation_id,
        role="assistant",
        content=text,
        mode=reply.mode.value,
        status=status,
        deployment=deployment.name if deployment else None,
        model=deployment.model if deployment else None,
        input_tokens=result.usage.input_tokens if result else 0,
        output_tokens=result.usage.output_tokens if result else 0,
        cost_micros=result.cost_micros if result else 0,
        estimated=result.usage.estimated if result else True,
        citations={"items": citations_of(reply.passages)},
        usage_id=reply.call.usage_id,
        flags=flags,
        created_at=now,
    )
    try:
        async with db.session() as session:
            session.add(message)
            help_event = (
                context.help_given(
                    reply.organisation_id, reply.user_id, reply.passages, reply.lesson_skills, text, now
                )
                if held is None and text
                else None
            )
            if help_event is not None:
                record_event(session, help_event)  # answers soon after count as assisted
            if held is not None:
                await session.flush()
                alert = MentorSafetyAlert(
                    organisation_id=reply.organisation_id,
                    conversation_id=reply.conversation_id,
                    message_id=message.id,
                    learner_id=reply.user_id,
                    direction="output",
                    categories=held[0],
                    source=held[1],
                    status="open",
                    created_at=now,
                )
                session.add(alert)
                await session.flush()
                await notify_reviewers(session, realtime, alert)
        return message.id
    except Exception:
        logger.exception(
            "storing a mentor reply failed", extra={"conversation_id": str(reply.conversation_id)}
        )
        return None
