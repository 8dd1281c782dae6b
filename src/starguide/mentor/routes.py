"""HTTP routes of the mentor: a member's own conversations, and replies streamed as server-sent events."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from starguide.ai.sse import EventStreamResponse
from starguide.auth.deps import MemberDep, Principal, Role
from starguide.kit.deps import RuntimeDep, SessionDep
from starguide.kit.pagination import Page, PageParamsDep, paginate
from starguide.mentor import service
from starguide.mentor.models import MentorConversation, MentorMessage
from starguide.mentor.prompts import Mode
from starguide.mentor.schemas import (
    Citation,
    ConversationCreate,
    ConversationDetail,
    ConversationRead,
    ConversationUpdate,
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
        created_at=conversation.created_at,
        updated_at=conversation.updated_at,
    )


def _message(message: MentorMessage) -> MessageRead:
    return MessageRead(
        id=message.id,
        role=message.role,
        content=message.content,
        mode=message.mode,
        status=message.status,
        model=message.model,
        citations=[Citation(**c) for c in (message.citations or {}).get("items", [])],
        created_at=message.created_at,
    )


@router.post("/conversations", status_code=201)
async def create_conversation(
    body: ConversationCreate, principal: MemberDep, session: SessionDep, runtime: RuntimeDep
) -> ConversationRead:
    """Start a conversation with the mentor."""
    now = runtime.clock()
    conversation = MentorConversation(
        organisation_id=_org(principal),
        user_id=principal.user_id,
        title=body.title or "New conversation",
        mode=body.mode.value,
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
    return ConversationDetail(
        **_read(conversation).model_dump(), messages=[_message(m) for m in messages], notice=service.NOTICE
    )


@router.patch("/conversations/{conversation_id}")
async def update_conversation(
    conversation_id: uuid.UUID,
    body: ConversationUpdate,
    principal: MemberDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> ConversationRead:
    """Rename one of my conversations, or change its default mode."""
    conversation = await service.access_conversation(
        session, _org(principal), principal.user_id, conversation_id
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
    session: SessionDep,
    runtime: RuntimeDep,
) -> EventStreamResponse:
    """Ask the mentor; the reply streams as it is written, grounded in the organisation's lessons."""
    await runtime.limiter.hit(
        runtime.settings.rate_limit_ai, "ai", str(principal.user_id), what="AI requests"
    )
    conversation = await service.access_conversation(
        session, _org(principal), principal.user_id, conversation_id
    )
    reply = await service.do_post_message(
        session,
        runtime,
        conversation=conversation,
        user_id=principal.user_id,
        learner=principal.role is Role.LEARNER,
        content=body.content,
        mode=body.mode,
        hint_level=body.hint_level,
    )
    return EventStreamResponse(service.stream_reply(reply, runtime.db, runtime.clock))
