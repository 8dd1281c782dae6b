"""Request and response bodies of the mentor API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from starguide.mentor.prompts import Mode

_COURSE = "the course the conversation is about (a lesson alone brings its course)"
_LESSON = "the lesson the conversation is about; unset, the mentor uses the learner's most recent lesson"


class ConversationCreate(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    mode: Mode = Mode.SOCRATIC
    course_id: uuid.UUID | None = Field(default=None, description=_COURSE)
    lesson_id: uuid.UUID | None = Field(default=None, description=_LESSON)


class ConversationUpdate(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    mode: Mode | None = None
    course_id: uuid.UUID | None = Field(default=None, description=_COURSE + "; null clears it")
    lesson_id: uuid.UUID | None = Field(default=None, description=_LESSON + "; null clears it")


class ConversationRead(BaseModel):
    id: uuid.UUID
    title: str
    mode: Mode
    course_id: uuid.UUID | None = Field(default=None, description=_COURSE)
    lesson_id: uuid.UUID | None = Field(default=None, description=_LESSON)
    created_at: datetime
    updated_at: datetime
    notice: str = Field(description="shown in the chat: who else can read it")


class Citation(BaseModel):
    n: int
    kind: Literal["lesson", "question"] = "lesson"
    lesson_id: str | None = Field(default=None, description="kind `lesson`: the lesson cited")
    question_id: str | None = Field(
        default=None, description="kind `question`: a question whose explanation the learner has seen"
    )
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
    categories: list[str] = Field(
        default_factory=list, description="why the message was held (only shown to mentors and admins)"
    )
    redacted: bool = Field(default=False, description="answers to an open assessment were hidden")


class ConversationDetail(ConversationRead):
    messages: list[MessageRead]


class LearnerConversationRead(ConversationRead):
    """A learner's conversation as a mentor or admin sees it."""

    user_id: uuid.UUID
    learner_name: str


class LearnerConversationDetail(LearnerConversationRead):
    messages: list[MessageRead]


class AlertRead(BaseModel):
    """A held message waiting for (or after) review."""

    id: uuid.UUID
    conversation_id: uuid.UUID
    message_id: uuid.UUID
    learner_id: uuid.UUID
    learner_name: str
    direction: Literal["input", "output"] = Field(
        description="input: the learner wrote it; output: the model"
    )
    categories: list[str] = Field(description="self_harm, violence, sexual, personal_data, or the provider's")
    source: Literal["builtin", "provider"]
    status: Literal["open", "resolved"]
    created_at: datetime
    resolved_at: datetime | None
    resolved_by_id: uuid.UUID | None
    resolution_note: str | None
    message: MessageRead | None = Field(default=None, description="the held message (in the detail view)")


class AlertResolve(BaseModel):
    note: str | None = Field(default=None, max_length=2000, description="what was done")


class MessageCreate(BaseModel):
    content: str = Field(min_length=1, max_length=4000)
    mode: Mode | None = None  # None: the conversation's mode
    hint_level: int = Field(default=1, ge=1, le=3)


class AlertNotice(BaseModel):
    """Sent over the real-time channel (`mentor.alert`) to each mentor and admin who may review it."""

    alert_id: uuid.UUID
    conversation_id: uuid.UUID
    learner_id: uuid.UUID
    direction: Literal["input", "output"]
    categories: list[str]
