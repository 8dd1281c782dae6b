"""Request and response bodies of the mentor API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from starguide.mentor.prompts import Mode


class ConversationCreate(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    mode: Mode = Mode.SOCRATIC


class ConversationUpdate(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    mode: Mode | None = None


class ConversationRead(BaseModel):
    id: uuid.UUID
    title: str
    mode: Mode
    created_at: datetime
    updated_at: datetime


class Citation(BaseModel):
    n: int
    lesson_id: str
    title: str


class MessageRead(BaseModel):
    id: uuid.UUID
    role: str
    content: str
    mode: str | None
    status: str
    model: str | None
    citations: list[Citation]
    created_at: datetime


class ConversationDetail(ConversationRead):
    messages: list[MessageRead]
    notice: str = Field(description="shown in the chat: who else can read it")


class MessageCreate(BaseModel):
    content: str = Field(min_length=1, max_length=4000)
    mode: Mode | None = None  # None: the conversation's mode
    hint_level: int = Field(default=1, ge=1, le=3)
