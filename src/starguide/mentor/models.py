"""Tables of the mentor: a learner's conversations and their messages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from starguide.kit.models import Base, Timestamps, UUIDPrimaryKey
from starguide.kit.tenancy import TenantMixin
from starguide.kit.time import utcnow


class MentorConversation(UUIDPrimaryKey, TenantMixin, Timestamps, Base):
    __tablename__ = "mentor_conversations"
    __table_args__ = (Index("ix_mentor_conversations_owner", "organisation_id", "user_id", "updated_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(20), default="socratic")


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
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
