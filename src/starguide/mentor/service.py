"""Mentor conversations, stored per learner and organisation; replies grounded in its lessons."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

import anyio
from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.ai.providers.offline import key_terms
from starguide.ai.router import StreamFailed, StreamFinished
from starguide.ai.service import MeteredCall, reserve_call
from starguide.ai.sse import sse_event
from starguide.ai.types import Passage, TextDelta
from starguide.content.models import Lesson
from starguide.content.search import search_lessons
from starguide.kit.errors import NotFound, ProblemError
from starguide.kit.tenancy import scoped
from starguide.kit.time import Clock
from starguide.mentor.models import MentorConversation, MentorMessage
from starguide.mentor.prompts import Mode, Turn, build_request

logger = logging.getLogger("starguide.mentor")

ALIAS = "mentor-default"
MAX_PASSAGES = 4
HISTORY_MESSAGES = 40
NOTICE = "Your organisation's admins can read mentor conversations."


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


async def list_messages(session: AsyncSession, conversation: MentorConversation) -> list[MentorMessage]:
    stmt = (
        scoped(select(MentorMessage), MentorMessage, conversation.organisation_id)
        .where(MentorMessage.conversation_id == conversation.id)
        .order_by(MentorMessage.created_at, MentorMessage.id)
    )
    return list(await session.scalars(stmt))


async def retrieve_passages(
    session: AsyncSession, organisation_id: uuid.UUID, question: str
) -> list[Passage]:
    """The organisation's published lessons most relevant to `question`.

    The content search matches every word; a learner's question has many, so when the whole question
    finds nothing, each significant word is searched alone and lessons found by more words rank first.
    """
    hits = await search_lessons(session, organisation_id, question, MAX_PASSAGES)
    ranked: dict[uuid.UUID, tuple[int, float]] = {h.lesson_id: (100, h.rank) for h in hits}
    if len(ranked) < MAX_PASSAGES:
        for term in sorted(key_terms(question), key=len, reverse=True)[:8]:
            for hit in await search_lessons(session, organisation_id, term, MAX_PASSAGES):
                votes, rank = ranked.get(hit.lesson_id, (0, hit.rank))
                ranked[hit.lesson_id] = (votes + 1, min(rank, hit.rank))
    best = sorted(ranked, key=lambda i: (-ranked[i][0], ranked[i][1]))[:MAX_PASSAGES]
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
    return [Passage(str(i), lessons[i].title, lessons[i].body, f"/lessons/{i}") for i in best if i in lessons]


@dataclass
class Reply:
    """A reply being prepared: the learner's message is stored, the call reserved."""

    conversation_id: uuid.UUID
    organisation_id: uuid.UUID
    user_message_id: uuid.UUID
    mode: Mode
    passages: list[Passage]
    call: MeteredCall


async def do_post_message(
    session: AsyncSession,
    runtime: Any,
    *,
    conversation: MentorConversation,
    user_id: uuid.UUID,
    learner: bool,
    content: str,
    mode: Mode | None,
    hint_level: int,
) -> Reply:
    """Store the learner's message, retrieve material, build the prompt and reserve the call."""
    now = runtime.clock()
    chosen = mode or Mode(conversation.mode)
    history = (await list_messages(session, conversation))[-HISTORY_MESSAGES:]
    message = MentorMessage(
        organisation_id=conversation.organisation_id,
        conversation_id=conversation.id,
        role="user",
        content=content,
        mode=chosen.value,
        created_at=now,
    )
    session.add(message)
    conversation.updated_at = now
    passages = await retrieve_passages(session, conversation.organisation_id, content)
    request = build_request(
        mode=chosen,
        question=content,
        history=[Turn(m.role, m.content) for m in history if m.content],
        passages=passages,
        hint_level=hint_level,
    )
    call = await reserve_call(
        session,
        runtime,
        organisation_id=conversation.organisation_id,
        user_id=user_id,
        learner=learner,
        alias=ALIAS,
        request=request,
    )
    await session.flush()
    return Reply(
        conversation.id, conversation.organisation_id, message.id, chosen, list(request.passages), call
    )


def citations_of(passages: list[Passage]) -> list[dict[str, Any]]:
    return [{"n": n, "lesson_id": p.source_id, "title": p.title} for n, p in enumerate(passages, start=1)]


async def stream_reply(reply: Reply, db: Any, clock: Clock) -> AsyncGenerator[bytes, None]:
    """SSE: `message`, `delta` {text}, then `done` or `error`; the reply is stored however it ends."""
    parts: list[str] = []
    final: StreamFinished | StreamFailed | None = None
    problem: ProblemError | None = None
    yield sse_event("message", {"id": str(reply.user_message_id), "citations": citations_of(reply.passages)})
    try:
        # Closed explicitly: when the learner leaves, the upstream call must stop now, not at GC.
        async with contextlib.aclosing(reply.call.stream()) as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    parts.append(event.text)
                    yield sse_event("delta", {"text": event.text})
                else:
                    final = event
    except ProblemError as exc:
        problem = exc
    finally:
        with anyio.CancelScope(shield=True):
            message_id = await _store_reply(reply, db, clock, "".join(parts), final, problem)
    if problem is not None:
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


async def _store_reply(
    reply: Reply,
    db: Any,
    clock: Clock,
    text: str,
    final: StreamFinished | StreamFailed | None,
    problem: ProblemError | None,
) -> uuid.UUID | None:
    result = final.result if final is not None else reply.call.result
    if not text and problem is not None:
        return None
    status = "complete" if isinstance(final, StreamFinished) else "partial"
    deployment = result.deployment if result else None
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
        created_at=clock(),
    )
    try:
        async with db.session() as session:
            session.add(message)
        return message.id
    except Exception:
        logger.exception(
            "storing a mentor reply failed", extra={"conversation_id": str(reply.conversation_id)}
        )
        return None
