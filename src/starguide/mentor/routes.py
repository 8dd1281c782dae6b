"""HTTP routes of the mentor: a member's own conversations, and replies streamed as server-sent events."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.ai.sse import EventStreamResponse
from starguide.auth.deps import MemberDep, MentorDep, Principal, Role
from starguide.auth.models import User
from starguide.kit.deps import RuntimeDep, SessionDep
from starguide.kit.pagination import Page, PageParamsDep, paginate
from starguide.mentor import context, oversight, service
from starguide.mentor.models import MentorConversation, MentorMessage, MentorSafetyAlert
from starguide.mentor.prompts import Mode
from starguide.mentor.safety import kind_message
from starguide.mentor.schemas import (
    AlertRead,
    AlertResolve,
    Citation,
    ConversationCreate,
    ConversationDetail,
    ConversationRead,
    ConversationUpdate,
    LearnerConversationDetail,
    LearnerConversationRead,
    MessageCreate,
    MessageRead,
)

router = APIRouter(prefix="/mentor", tags=["mentor"])


def _org(principal: Principal) -> uuid.UUID:
    assert principal.organisation_id is not None  # MemberDep guarantees it
    return principal.organisation_id


def _read(conversation: MentorConversation) -> ConversationRead:
    return ConversationRead(
        id=conversation.id,
        title=conversation.title,
        mode=Mode(conversation.mode),
        course_id=conversation.course_id,
        lesson_id=conversation.lesson_id,
        created_at=conversation.created_at,
        updated_at=conversation.updated_at,
        notice=service.NOTICE,
    )


def _message(message: MentorMessage, *, reviewer: bool = False) -> MessageRead:
    flags = message.flags or {}
    content = message.content
    if message.status == "held" and message.role == "assistant" and not reviewer:
        # The learner never reads a reply that was stopped: they read why instead.
        content = kind_message(flags.get("categories", []), output=True)
    return MessageRead(
        id=message.id,
        role=message.role,
        content=content,
        mode=message.mode,
        status=message.status,
        model=message.model,
        citations=[Citation(**c) for c in (message.citations or {}).get("items", [])],
        created_at=message.created_at,
        categories=list(flags.get("categories", [])) if reviewer else [],
        redacted=bool(flags.get("redactions")),
    )


async def _names(session: AsyncSession, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))
    return {r[0]: r[1] for r in rows}


def _learner_read(conversation: MentorConversation, names: dict[uuid.UUID, str]) -> LearnerConversationRead:
    return LearnerConversationRead(
        **_read(conversation).model_dump(),
        user_id=conversation.user_id,
        learner_name=names.get(conversation.user_id, ""),
    )


def _alert(
    alert: MentorSafetyAlert, names: dict[uuid.UUID, str], message: MentorMessage | None = None
) -> AlertRead:
    return AlertRead(
        id=alert.id,
        conversation_id=alert.conversation_id,
        message_id=alert.message_id,
        learner_id=alert.learner_id,
        learner_name=names.get(alert.learner_id, ""),
        direction=alert.direction,
        categories=list(alert.categories),
        source=alert.source,
        status=alert.status,
        created_at=alert.created_at,
        resolved_at=alert.resolved_at,
        resolved_by_id=alert.resolved_by_id,
        resolution_note=alert.resolution_note,
        message=_message(message, reviewer=True) if message is not None else None,
    )


@router.post("/conversations", status_code=201)
async def create_conversation(
    body: ConversationCreate, principal: MemberDep, session: SessionDep, runtime: RuntimeDep
) -> ConversationRead:
    """Start a conversation with the mentor, optionally about a course or lesson."""
    now = runtime.clock()
    course_id, lesson_id = await context.check_place(session, principal, body.course_id, body.lesson_id)
    conversation = MentorConversation(
        organisation_id=_org(principal),
        user_id=principal.user_id,
        title=body.title or "New conversation",
        mode=body.mode.value,
        course_id=course_id,
        lesson_id=lesson_id,
        created_at=now,
        updated_at=now,
    )
    session.add(conversation)
    await session.flush()
    return _read(conversation)


@router.get("/conversations")
async def list_conversations(
    principal: MemberDep,
    session: SessionDep,
    page: PageParamsDep,
    q: Annotated[str | None, Query(max_length=200, description="words in the title or the messages")] = None,
) -> Page[ConversationRead]:
    """My conversations with the mentor, most recent first."""
    rows, total = await paginate(
        session, service.list_conversations_stmt(_org(principal), principal.user_id, q), page
    )
    return Page[ConversationRead](
        items=[_read(r) for r in rows], total=total, limit=page.limit, offset=page.offset
    )


@router.get("/conversations/{conversation_id}")
async def read_conversation(
    conversation_id: uuid.UUID, principal: MemberDep, session: SessionDep
) -> ConversationDetail:
    """One of my conversations, with its messages."""
    conversation = await service.access_conversation(
        session, _org(principal), principal.user_id, conversation_id
    )
    messages = await service.list_messages(session, conversation)
    return ConversationDetail(**_read(conversation).model_dump(), messages=[_message(m) for m in messages])


@router.patch("/conversations/{conversation_id}")
async def update_conversation(
    conversation_id: uuid.UUID,
    body: ConversationUpdate,
    principal: MemberDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> ConversationRead:
    """Rename one of my conversations, change its default mode, or the course and lesson it is about."""
    conversation = await service.access_conversation(
        session, _org(principal), principal.user_id, conversation_id
    )
    place = body.model_fields_set & {"course_id", "lesson_id"}
    if place:
        course = body.course_id if "course_id" in place else conversation.course_id
        lesson = body.lesson_id if "lesson_id" in place else conversation.lesson_id
        if "course_id" in place and "lesson_id" not in place and course != conversation.course_id:
            lesson = None  # another course: the lesson of the old one no longer applies
        if "lesson_id" in place and "course_id" not in place and lesson is not None:
            course = None  # the lesson brings its own course
        conversation.course_id, conversation.lesson_id = await context.check_place(
            session, principal, course, lesson
        )
    if body.title is not None:
        conversation.title = body.title
    if body.mode is not None:
        conversation.mode = body.mode.value
    conversation.updated_at = runtime.clock()
    await session.flush()
    return _read(conversation)


@router.delete("/conversations/{conversation_id}", status_code=204)
async def delete_conversation(
    conversation_id: uuid.UUID, principal: MemberDep, session: SessionDep
) -> Response:
    """Delete one of my conversations and its messages."""
    conversation = await service.access_conversation(
        session, _org(principal), principal.user_id, conversation_id
    )
    await session.delete(conversation)
    return Response(status_code=204)


@router.post(
    "/conversations/{conversation_id}/messages",
    status_code=200,
    response_class=EventStreamResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "events: message, delta, done or error"}
    },
)
async def post_message(
    conversation_id: uuid.UUID,
    body: MessageCreate,
    principal: MemberDep,
    runtime: RuntimeDep,
) -> EventStreamResponse:
    """Ask the mentor; the reply streams as it is written, grounded in the organisation's lessons."""
    await runtime.limiter.hit(
        runtime.settings.rate_limit_ai, "ai", str(principal.user_id), what="AI requests"
    )
    prepared = await service.do_post_message(
        runtime,
        organisation_id=_org(principal),
        conversation_id=conversation_id,
        user_id=principal.user_id,
        learner=principal.role is Role.LEARNER,
        content=body.content,
        mode=body.mode,
        hint_level=body.hint_level,
    )
    if isinstance(prepared, service.Held):
        return EventStreamResponse(service.stream_held(prepared))
    return EventStreamResponse(service.stream_reply(prepared, runtime.db, runtime.clock, runtime))


# ---- mentors and admins: their learners' conversations, and the safety alerts -----------------------


@router.get("/learner-conversations")
async def list_learner_conversations(
    principal: MentorDep,
    session: SessionDep,
    page: PageParamsDep,
    learner_id: Annotated[uuid.UUID | None, Query(description="only this learner's")] = None,
    q: Annotated[str | None, Query(max_length=200, description="words in the title")] = None,
) -> Page[LearnerConversationRead]:
    """Conversations of my learners (mentors: learners of the courses I teach; admins: everyone's)."""
    rows, total = await paginate(
        session, oversight.list_learner_conversations_stmt(principal, learner_id, q), page
    )
    names = await _names(session, {r.user_id for r in rows})
    return Page[LearnerConversationRead](
        items=[_learner_read(r, names) for r in rows], total=total, limit=page.limit, offset=page.offset
    )


@router.get("/learner-conversations/{conversation_id}")
async def read_learner_conversation(
    conversation_id: uuid.UUID, principal: MentorDep, session: SessionDep, runtime: RuntimeDep
) -> LearnerConversationDetail:
    """One of my learners' conversations, held messages included (the read is audited)."""
    conversation = await oversight.access_learner_conversation(session, principal, conversation_id)
    messages = await service.list_messages(session, conversation)
    await oversight.record_read(runtime.db, principal, conversation, runtime.clock())
    names = await _names(session, {conversation.user_id})
    return LearnerConversationDetail(
        **_learner_read(conversation, names).model_dump(),
        messages=[_message(m, reviewer=True) for m in messages],
    )


@router.get("/alerts")
async def list_alerts(
    principal: MentorDep,
    session: SessionDep,
    page: PageParamsDep,
    status: Annotated[Literal["open", "resolved"] | None, Query()] = None,
) -> Page[AlertRead]:
    """Held messages of my learners, newest first."""
    rows, total = await paginate(session, oversight.list_alerts_stmt(principal, status), page)
    names = await _names(session, {r.learner_id for r in rows})
    return Page[AlertRead](
        items=[_alert(r, names) for r in rows], total=total, limit=page.limit, offset=page.offset
    )


async def _alert_detail(session: AsyncSession, alert: MentorSafetyAlert) -> AlertRead:
    message = await session.get(MentorMessage, alert.message_id)
    return _alert(alert, await _names(session, {alert.learner_id}), message)


@router.get("/alerts/{alert_id}")
async def read_alert(alert_id: uuid.UUID, principal: MentorDep, session: SessionDep) -> AlertRead:
    """One alert, with the held message."""
    return await _alert_detail(session, await oversight.access_alert(session, principal, alert_id))


@router.post("/alerts/{alert_id}/resolve")
async def resolve_alert(
    alert_id: uuid.UUID, body: AlertResolve, principal: MentorDep, session: SessionDep, runtime: RuntimeDep
) -> AlertRead:
    """Mark an alert as reviewed, with a note of what was done (audited)."""
    alert = await oversight.access_alert(session, principal, alert_id)
    await oversight.do_resolve_alert(session, principal, alert, body.note, runtime.clock())
    return await _alert_detail(session, alert)
