"""Tables of the mentor: a learner's conversations and their messages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from starguide.kit.models import Base, JSONType, Timestamps, UUIDPrimaryKey
from starguide.kit.tenancy import TenantMixin
from starguide.kit.time import utcnow


class MentorConversation(UUIDPrimaryKey, TenantMixin, Timestamps, Base):
    __tablename__ = "mentor_conversations"
    __table_args__ = (Index("ix_mentor_conversations_owner", "organisation_id", "user_id", "updated_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(20), default="socratic")
    # What the learner is working on (None: their most recent lesson is used when they ask).
    course_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"))
    lesson_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"))


class MentorMessage(UUIDPrimaryKey, TenantMixin, Base):
    __tablename__ = "mentor_messages"
    __table_args__ = (Index("ix_mentor_messages_conversation", "conversation_id", "created_at"),)

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentor_conversations.id", ondelete="CASCADE")
    )
    role: Mapped[str] = mapped_column(String(20))  # user | assistant
    content: Mapped[str] = mapped_column(Text)
    mode: Mapped[str | None] = mapped_column(String(20))
    # complete; partial (the learner left or the provider broke off: what arrived is kept); failed
    status: Mapped[str] = mapped_column(String(20), default="complete")
    deployment: Mapped[str | None] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(200))
    input_tokens: Mapped[int] = mapped_column(default=0)
    output_tokens: Mapped[int] = mapped_column(default=0)
    cost_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    estimated: Mapped[bool] = mapped_column(default=False)
    citations: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"items": [{n, lesson_id, title}]}
    usage_id: Mapped[uuid.UUID | None]
    # Moderation: {"categories": [...], "source": "builtin"|"provider", "direction": "input"|"output"}
    # when the message was held; {"redactions": n} when answers to open questions were hidden.
    flags: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MentorSafetyAlert(UUIDPrimaryKey, TenantMixin, Base):
    """A held message, for the learner's mentors and the organisation's admins to review."""

    __tablename__ = "mentor_safety_alerts"
    __table_args__ = (Index("ix_mentor_safety_alerts_org_status", "organisation_id", "status", "created_at"),)

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentor_conversations.id", ondelete="CASCADE")
    )
    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mentor_messages.id", ondelete="CASCADE"))
    learner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(10))  # input (the learner's) | output (the model's)
    categories: Mapped[list[str]] = mapped_column(JSONType)
    source: Mapped[str] = mapped_column(String(20))  # builtin | provider
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | resolved
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution_note: Mapped[str | None] = mapped_column(Text)
