"""Request and response bodies of the quizzes API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from starguide.content.exchange import Summary, Title
from starguide.content.questions import Answer
from starguide.quizzes.policy import AssessmentPolicy


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssessmentCreate(_In):
    course_id: uuid.UUID | None = Field(default=None, description="None: the whole organisation")
    title: Title
    description: Summary = ""
    policy: AssessmentPolicy = Field(description="`questions` lists question ids")
    published: bool = False
    opens_at: datetime | None = Field(
        default=None, description="without an offset, read in the organisation's time zone"
    )
    closes_at: datetime | None = None


class AssessmentUpdate(_In):
    title: Title | None = None
    description: Summary | None = None
    policy: AssessmentPolicy | None = None
    published: bool | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None


class AssessmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    course_id: uuid.UUID | None
    title: str
    description: str
    policy: AssessmentPolicy
    published: bool
    opens_at: datetime | None
    closes_at: datetime | None
    time_zone: str = Field(default="UTC", description="the organisation's, for showing the window")
    created_at: datetime


class AnswerIn(_In):
    answer: Answer


class QuestionView(BaseModel):
    """A question as the learner sees it: no correct answers, options in the attempt's order."""

    question_id: uuid.UUID
    version: int
    position: int
    type: str
    title: str | None
    text: str
    text_html: str
    difficulty: int
    options: list[dict[str, str]] = Field(default_factory=list, description="choices or items: {id, text}")
    prompts: list[dict[str, str]] = Field(default_factory=list, description="matching: {id, text}")
    answers: list[str] = Field(default_factory=list, description="matching: the answers to pick from")
    units: list[str] = Field(default_factory=list)
    hints_available: int = 0


class AnswerResult(BaseModel):
    """The saved answer and, when the feedback policy allows, its grade and explanation."""

    question_id: uuid.UUID
    answer: dict[str, Any] | None
    saved_at: datetime | None
    tries: int = 0
    hints_shown: int = 0
    hints: list[str] = Field(default_factory=list)
    revealed: bool = Field(default=False, description="whether the grading below is shown")
    status: str | None = None
    score: float | None = None
    correct: bool | None = None
    feedback: list[str] = Field(default_factory=list)
    explanation: str | None = None
    model_answer: dict[str, Any] | None = None
    mentor_feedback: str | None = None


class AttemptRead(BaseModel):
    id: uuid.UUID
    assessment_id: uuid.UUID
    user_id: uuid.UUID
    number: int
    mode: str
    status: str
    started_at: datetime
    deadline_at: datetime | None
    submitted_at: datetime | None
    auto_submitted: bool
    seconds_left: float | None
    score: float | None
    passed: bool | None
    pending: int
    questions: list[QuestionView]
    answers: list[AnswerResult]


class AttemptSummary(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    number: int
    status: str
    started_at: datetime
    submitted_at: datetime | None
    auto_submitted: bool
    score: float | None
    passed: bool | None
    pending: int


class ManualGrade(_In):
    score: float = Field(ge=0, le=1)
    feedback: str | None = Field(default=None, max_length=5000)


class HintRead(BaseModel):
    hints: list[str]
    hints_shown: int
    hints_available: int


class AIGradeRead(BaseModel):
    """The `grader` model's grade of a free-text answer, with the reasons the mentor reads."""

    question_id: uuid.UUID
    status: str = Field(
        description="queued, graded, failed (unusable reply, or no model after 3 tries), unavailable "
        "(no model configured: the mentor grades), skipped (a mentor graded first), overridden"
    )
    score: float | None = Field(description="the AI's score, 0 to 1")
    reasons: list[str]
    error: str | None
    deployment: str | None
    model: str | None
    cost_micros: int
    tries: int
    created_at: datetime
    graded_at: datetime | None
    overridden_by_id: uuid.UUID | None
    overridden_at: datetime | None
    override_score: float | None
    answer_status: str | None = Field(description="the answer's status now: pending or graded")
    answer_score: float | None = Field(description="the answer's score now (the AI's, or the mentor's)")
